"""``costcalc status``: what readers see and what is owed.

The last published build (what reports and BI tools read), the files loaded
since then, whether a build is owed, the last failure (the model and the
likely file), and each file type's latest extract date (docs/contract.md §3).
Nothing personal: build ids, times, model names, file names and dates.
"""

from __future__ import annotations

import sys

import click

from costcalc.transform import build_state


def _when(value) -> str:
    return str(value)[:19] if value is not None else "?"


def status_lines(warehouse, wait_seconds: float = 5.0) -> tuple[list[str], bool]:
    """The status as lines, and whether a build is owed."""
    st = build_state.read_status(warehouse, wait_seconds=wait_seconds)
    out = []
    if st.published_build is None:
        out.append("Published: nothing yet (reports have nothing to read until a build succeeds)")
    else:
        out.append(f"Published: build {st.published_build} at {_when(st.published_at)}, "
                   f"including loads up to {st.published_last_load if st.published_last_load is not None else 'none'}")
    if st.busy:
        out.append("The warehouse is in use (a load or build is running): loads, failures and extract "
                   "dates cannot be read now; try again when it has finished.")
        return out, True
    if st.running:
        out.append(f"Running: build {st.running[0]} since {_when(st.running[1])} (process {st.running[2]})")
    if st.loads_since:
        out.append(f"Loaded since: {len(st.loads_since)} file{'s' if len(st.loads_since) != 1 else ''}")
        for load_id, name, file_type, extract, loaded_at in st.loads_since[-20:]:
            out.append(f"  load {load_id}: {name} ({file_type}, extract {str(extract)[:10]}, "
                       f"loaded {_when(loaded_at)})")
    else:
        out.append("Loaded since: nothing")
    if st.unloads_since:
        out.append(f"Unloaded since: {len(st.unloads_since)} load{'s' if len(st.unloads_since) != 1 else ''} "
                   "(the published marts still show their rows)")
        for load_id, name, unloaded_at in st.unloads_since[-20:]:
            out.append(f"  load {load_id}: {name} (unloaded {_when(unloaded_at)})")
    if st.last_attempt and st.last_attempt[1] != "published":
        build_id, status, when, failed, message = st.last_attempt
        what = f"build {build_id} {status} at {_when(when)}"
        if failed:
            what += f" in {failed}"
        out.append(f"Last failure: {what}")
        if message:
            out.append(f"  {message}")
        out.append(f"  likely file (loaded since the last published build): {build_state.likely_files(st)}")
    out.append(f"Build owed: {'yes: run `costcalc build`' if st.owed else 'no'}")
    if st.extract_dates:
        out.append("Latest extract date per file type:")
        for file_type, extract, files in st.extract_dates:
            out.append(f"  {file_type}: {str(extract)[:10]} ({files} file{'s' if files != 1 else ''} loaded)")
    return out, st.owed


@click.command("status")
@click.pass_obj
def status_command(obj):
    """The last published build, the loads since, whether a build is owed, the
    last failure, and each file type's latest extract date.

    Exits 0, or 3 when a build is owed (for scripts and monitoring)."""
    lines, owed = status_lines(obj.warehouse)
    click.echo("\n".join(lines))
    sys.exit(3 if owed else 0)
