"""One file = one transaction: a load killed with SIGKILL part-way leaves nothing
behind, and the same file then loads cleanly."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

from costcalc.ingest.landing import load_file

ROWS = 60_000

# The child loads in small batches and says so on stdout after each insert, then
# waits after the third, so the parent kills it at a known point: after rows were
# inserted, before the commit.
CHILD = textwrap.dedent("""
    import sys, time
    from costcalc.ingest import landing
    landing.BATCH_ROWS = 5_000
    original = landing._Loader._insert_batch
    done = []
    def noisy(self, *a, **k):
        original(self, *a, **k)
        done.append(1)
        print("inserted", flush=True)
        if len(done) == 3:  # wait here, mid-transaction, however slow the parent is
            time.sleep(120)
    landing._Loader._insert_batch = noisy
    landing.load_file(sys.argv[1], sys.argv[2])
    print("finished", flush=True)
""")


def big_csv(path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["pin", "surname", "dob", "postcode", "startdate", "cost", "proptype"])
        for i in range(ROWS):
            w.writerow([f"P{i}", f"Name{i % 977}", f"{1 + i % 28:02d}/{1 + i % 12:02d}/19{40 + i % 60}",
                        "SW1A 1AA", "01/04/2024", f"{i % 500}.25", "B&B"])
    return path


def test_killed_load_leaves_nothing_and_reloads_cleanly(tmp_path):
    wh = tmp_path / "wh.duckdb"
    src = big_csv(tmp_path / "big.csv")
    # an earlier, committed load must survive the crash untouched
    small = tmp_path / "small.csv"
    small.write_text("surname,dob,postcode,startdate,proptype,cost\nSmith,01/01/1980,M1 1AE,01/01/2024,Hostel,5\n")
    assert load_file(wh, small).status == "loaded"

    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(wh), str(src)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = 0
        for line in proc.stdout:
            if line.startswith("inserted"):
                seen += 1
                if seen == 3:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
            assert not line.startswith("finished")
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert seen == 3

    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.execute("select source_file, status from raw.load_log").fetchall() == [("small.csv", "loaded")]
        assert con.execute("select _source_file, count(*) from raw.h01a group by 1").fetchall() == [("small.csv", 1)]
        assert con.execute("select count(*) from raw.rejected_rows").fetchall() == [(0,)]
    finally:
        con.close()

    r = load_file(wh, src)
    assert (r.status, r.rows_accepted, r.rows_rejected) == ("loaded", ROWS, 0), r.message
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.execute("select count(*), count(distinct _source_row) from raw.h01a where _source_file='big.csv'"
                           ).fetchall() == [(ROWS, ROWS)]
        assert con.execute("select count(*) from raw.load_log").fetchall() == [(2,)]
    finally:
        con.close()
