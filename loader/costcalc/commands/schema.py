"""``costcalc schema``: list the schemas of the registry, and scaffold a new one.

``costcalc schema new CODE --name NAME --kind cost|status [--like GS00]`` writes
the two pieces a new data set needs into the project directory
(docs/adding-a-schema.md, docs/project.md): the contract
``schemas/<code>.yaml`` and a file type row in ``seeds/file_types.csv`` (the
project's copy, made from the shipped one if it has none); then it writes the
generated dbt inputs, where its staging model is generated too. The YAML is a starting point to edit: its columns are those of the
schema named by ``--like`` (or a minimal set), which the engineer then adapts.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import click
import yaml

from costcalc.paths import project_dir, seed_file
from costcalc.schemas import (KINDS, YAML_LOADER, clear_caches, load_file_types, load_frequencies, load_schemas,
                              schema_files)

CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")

#: The columns of a new schema made without --like: who the person is, and for a cost
#: schema what was provided, when, and at what cost and frequency.
_PERSON_COLUMNS = {
    "reference": {"type": "text", "personal": True, "aliases": ["reference", "client reference"]},
    "surname": {"type": "text", "mandatory": True, "personal": True, "aliases": ["surname", "last name"]},
    "firstname": {"type": "text", "personal": True, "aliases": ["first name", "forename"]},
    "dob": {"type": "date", "mandatory": True, "personal": True, "aliases": ["date of birth"]},
    "postcode": {"type": "postcode", "mandatory": True, "personal": True, "aliases": ["post code"]},
}
_COST_COLUMNS = {
    "service": {"type": "text", "mandatory": True, "aliases": ["service"]},
    "startdate": {"type": "date", "mandatory": True, "aliases": ["start date"]},
    "enddate": {"type": "date", "aliases": ["end date"]},
    "cost": {"type": "money", "aliases": ["unit cost"]},
    "frequency": {"type": "frequency", "aliases": ["cost frequency"]},
}


@dataclass
class Scaffold:
    """The files a new schema needs, as text, and where they go."""
    code: str
    yaml_path: Path
    yaml_text: str
    seeds_path: Path
    seed_row: dict


def _one_line(value) -> str:
    """A YAML value on one line: a collection in flow style, a scalar as written."""
    if not isinstance(value, (dict, list)):  # a scalar: as the value of a one-key mapping
        return yaml.safe_dump({"x": value}, width=10_000, allow_unicode=True)[2:].strip()
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=True, width=10_000,
                          allow_unicode=True).strip()


def _flow(data) -> str:
    """YAML with each column, identity and service-use entry on one line (as the
    hand-written schemas are)."""
    out = []
    for key, value in data.items():
        if isinstance(value, dict) and value:
            out.append(f"{key}:")
            out.extend(f"  {k}: {_one_line(v)}" for k, v in value.items())
        else:
            out.append(f"{key}: {_one_line(value)}")
    return "\n".join(out) + "\n"


def schema_yaml(code: str, name: str, kind: str, like: str | None) -> str:
    """The YAML of a new schema: a copy of ``like``'s contract (or a minimal one), renamed."""
    if like:
        schemas = load_schemas()
        if like.upper() not in schemas:
            raise click.BadParameter(f"no schema {like!r} (known: {', '.join(schemas)})", param_hint="--like")
        src = schema_files()[f"{like.lower()}.yaml"]
        data = yaml.load(src.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    else:
        columns = dict(_PERSON_COLUMNS, **(_COST_COLUMNS if kind == "cost" else {}))
        data = {"columns": columns,
                "identity": {"reference": "reference", "surname": "surname", "firstname": "firstname",
                             "dob": "dob", "postcode": "postcode"},
                "natural_key": ["reference", "startdate"] if kind == "cost" else ["identity.surname", "identity.dob",
                                                                                  "identity.postcode"],
                "natural_key_when_blank": {"reference": ["identity.surname", "identity.dob", "identity.postcode"]}
                if kind == "cost" else {}}
        if kind == "cost":
            data["service_use"] = {"service_type": {"column": "service"}, "start": {"column": "startdate"},
                                   "end": {"column": "enddate"}, "unit_cost": {"column": "cost"},
                                   "frequency": {"column": "frequency"}}
    data = {**data, "code": code, "name": name, "kind": kind,
            "description": f"{name}. Describe one row of the file here."}
    if kind == "status":
        data.pop("service_use", None)
        data.pop("extract_date_column", None)
    if not data.get("natural_key_when_blank"):
        data.pop("natural_key_when_blank", None)
    order = ["code", "name", "kind", "description", "extract_date_column", "unknown_headers", "columns",
             "identity", "natural_key", "natural_key_when_blank", "service_use"]
    ordered = {k: data[k] for k in order if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    head = (f"# {name} ({code}): made by `costcalc schema new`"
            + (f" from {like.upper()}" if like else "") + ". Edit the columns to match the files;\n"
            "# docs/adding-a-schema.md explains every key.\n")
    return head + _flow(ordered)


def scaffold(code: str, name: str, kind: str, like: str | None = None, file_type: str | None = None,
             providers: str = "*", frequency: str | None = None) -> Scaffold:
    """What ``costcalc schema new`` writes into the project directory, checked but not yet written."""
    schemas_dir = project_dir() / "schemas"
    code = code.strip().upper()
    if not CODE_PATTERN.match(code):
        raise click.BadParameter("a code is a capital letter then up to 15 capitals or digits, e.g. SP01",
                                 param_hint="CODE")
    if kind not in KINDS:
        raise click.BadParameter(f"one of {', '.join(KINDS)}", param_hint="--kind")
    clear_caches()
    yaml_path = schemas_dir / f"{code.lower()}.yaml"
    if code in load_schemas() or yaml_path.name in schema_files():
        raise click.UsageError(f"schema {code} exists already ({yaml_path.name})")
    if frequency and frequency not in load_frequencies():
        raise click.BadParameter(f"one of {', '.join(load_frequencies())}", param_hint="--frequency")
    file_type = file_type or re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    types = load_file_types()
    if file_type in types:
        raise click.UsageError(f"file type {file_type} exists already in seeds/file_types.csv; "
                               "give another with --file-type")
    text = schema_yaml(code, name, kind, like)
    seed_row = {"file_type": file_type, "display_name": name, "schema_code": code,
                "allowed_providers": providers, "frequency": frequency or "", "unknown_headers": ""}
    return Scaffold(code, yaml_path, text, project_dir() / "seeds" / "file_types.csv", seed_row)


def append_seed_row(path: Path, row: dict) -> None:
    """Add a file type to the project's seeds/file_types.csv (made from the shipped one if
    the project has none), in its own column order."""
    text = seed_file("file_types.csv").read_text(encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    header = next(csv.reader([text.splitlines()[0]]))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([row.get(h, "") for h in header])
    path.write_text(text + ("" if text.endswith("\n") else "\n") + out.getvalue(), encoding="utf-8")


def write(s: Scaffold) -> list[Path]:
    """Write the scaffold's files and regenerate the dbt registry; the paths written."""
    from costcalc.transform.registry import write_generated

    s.yaml_path.parent.mkdir(parents=True, exist_ok=True)
    s.yaml_path.write_text(s.yaml_text, encoding="utf-8")
    append_seed_row(s.seeds_path, s.seed_row)
    clear_caches()
    return [s.yaml_path, s.seeds_path, *write_generated()]


@click.group("schema")
def schema() -> None:
    """The schemas (schemas/*.yaml): list them, or scaffold a new one."""


@schema.command("list")
def list_schemas() -> None:
    """List the schemas of the registry and their file types."""
    types = load_file_types()
    for code, s in load_schemas().items():
        names = [ft.file_type for ft in types.values() if ft.schema_code == code]
        click.echo(f"{code:<8} {s.kind:<6} {s.name}  [file types: {', '.join(names) or 'none'}]")


@schema.command("new")
@click.argument("code")
@click.option("--name", required=True, help="The data set's name; also the file type's display name "
                                            "(the service name in the marts).")
@click.option("--kind", required=True, type=click.Choice(KINDS), help="cost (service-use records) or status (a flag list).")
@click.option("--like", metavar="CODE", default=None, help="Start from this schema's columns (e.g. GS00).")
@click.option("--file-type", "file_type", metavar="NAME", default=None,
              help="The file type's name in seeds/file_types.csv; default: from --name.")
@click.option("--providers", default="*", show_default=True,
              help="Who may send it: provider names separated by ';', or * for anyone.")
@click.option("--frequency", default=None, help="The data set's cost frequency, when its files have no "
                                                "frequency column (e.g. Weekly).")
def new(code, name, kind, like, file_type, providers, frequency) -> None:
    """Scaffold schema CODE in the project directory: its YAML and a file type; write the dbt inputs."""
    s = scaffold(code, name, kind, like, file_type, providers, frequency)
    for path in write(s):
        click.echo(f"wrote {path}")
    click.echo(f"next: edit {s.yaml_path.name} to match the files, then run `costcalc build` "
               "(docs/adding-a-schema.md)")
