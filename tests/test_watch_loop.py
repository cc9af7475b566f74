"""The running watch loop: files appearing while it runs (thread and subprocess)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from costcalc.ingest.landing import load_file
from costcalc.watch.folder import FolderLock, Watcher
from watch_helpers import (GS00_HEADERS, H01A_HEADERS, csv_text, files_in, gs00_rows, h01a_rows,
                           wait_for, write_csv, write_xlsx)

SETTLE = 0.5


class Running:
    """A Watcher's run() in a thread, stopped (and checked) on exit."""

    def __init__(self, watcher: Watcher):
        self.watcher = watcher
        self.ready = threading.Event()
        self.error: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            self.code = self.watcher.run(ready_event=self.ready)
        except BaseException as exc:  # surfaced in __exit__
            self.error.append(exc)
            self.ready.set()

    def __enter__(self):
        self.thread.start()
        assert self.ready.wait(30)
        return self.watcher

    def __exit__(self, *exc):
        self.watcher.stop()
        self.thread.join(30)
        assert not self.thread.is_alive(), "the watcher did not stop"
        if self.error:
            raise self.error[0]
        assert self.code == 0
        return False


class SizeSpy:
    """The real loader, recording each file's size at the moment it is loaded."""

    def __init__(self):
        self.calls: list[tuple[str, int]] = []

    def __call__(self, warehouse, path, **kw):
        self.calls.append((Path(path).name, Path(path).stat().st_size))
        return load_file(warehouse, path, **kw)


def load_log(warehouse) -> list[tuple]:
    with duckdb.connect(str(warehouse)) as con:
        return con.execute("SELECT source_file, status, rows_accepted FROM raw.load_log ORDER BY load_id").fetchall()


def write_slowly(path: Path, data: bytes, chunks: int, pause: float) -> None:
    step = max(1, len(data) // chunks)
    with open(path, "wb") as fh:
        for i in range(0, len(data), step):
            fh.write(data[i:i + step])
            fh.flush()
            os.fsync(fh.fileno())
            time.sleep(pause)


@pytest.mark.parametrize("poll", [False, True], ids=["events", "polling"])
def test_files_appearing_while_running(tmp_path, poll):
    root, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    root.mkdir()
    spy = SizeSpy()
    w = Watcher(root, wh, settle=SETTLE, build=False, poll=poll, loader=spy)
    w.prepare_layout()
    inc = root / "housing_needs" / "incoming"
    loaded = root / "housing_needs" / "loaded"
    with Running(w):
        (inc / "~$ta.xlsx").write_bytes(b"\x00owner")  # Excel's lock file while the workbook is open
        write_xlsx(inc / "ta.xlsx", H01A_HEADERS, h01a_rows(5))
        wait_for(lambda: (loaded / "ta.xlsx").exists())

        # A CSV copied slowly, in chunks closer together than the settle time.
        data = csv_text(GS00_HEADERS, gs00_rows(400)).encode()
        write_slowly(inc / "general_service" / "slow.csv", data, chunks=8, pause=SETTLE / 5)
        # An .xlsx copied slowly too (a partial workbook is not even a zip yet).
        book = write_xlsx(tmp_path / "src.xlsx", H01A_HEADERS, h01a_rows(300, start=100)).read_bytes()
        write_slowly(inc / "big.xlsx", book, chunks=6, pause=SETTLE / 5)
        wait_for(lambda: (loaded / "slow.csv").exists() and (loaded / "big.xlsx").exists())
        assert (inc / "~$ta.xlsx").exists()  # ignored, never moved

    sizes = dict(spy.calls)
    assert len(spy.calls) == 3  # each file loaded once, never half-written
    assert sizes["slow.csv"] == len(data) and sizes["big.xlsx"] == len(book)
    assert sorted(load_log(wh)) == [("big.xlsx", "loaded", 300), ("slow.csv", "loaded", 400),
                                    ("ta.xlsx", "loaded", 5)]
    assert files_in(root / "housing_needs" / "rejected") == []


def test_build_runs_once_per_batch(tmp_path):
    root, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    inc = root / "housing_needs" / "incoming"
    # Waiting before the watcher starts: processed at start, as one batch.
    write_xlsx(inc / "a.xlsx", H01A_HEADERS, h01a_rows(2))
    write_csv(inc / "b.csv", GS00_HEADERS, gs00_rows(2))
    write_csv(root / "revenues_benefits" / "incoming" / "c.csv", GS00_HEADERS, gs00_rows(2, start=50))
    builds: list[tuple[Path, int]] = []

    def build(warehouse):  # what run_build would see: everything of the batch is committed
        builds.append((warehouse, len(load_log(warehouse))))
        return True

    w = Watcher(root, wh, settle=SETTLE, build=True, build_fn=build)
    with Running(w):
        wait_for(lambda: len(builds) == 1)
        assert builds == [(wh, 3)]
        assert [sorted(o.candidate.path.name for o in b.outcomes) for b in w.batches] == [["a.xlsx", "b.csv", "c.csv"]]
        write_csv(inc / "d.csv", GS00_HEADERS, gs00_rows(1, start=90))
        wait_for(lambda: len(builds) == 2)
        # A batch that loads nothing new (a resend) builds nothing.
        (inc / "again.csv").write_bytes((root / "housing_needs" / "loaded" / "d.csv").read_bytes())
        wait_for(lambda: (root / "housing_needs" / "loaded" / "again.csv").exists())
    assert builds == [(wh, 3), (wh, 4)]
    assert [o.status for o in w.batches[-1].outcomes] == ["unchanged"]
    assert not w.build_marker.exists()


def test_subprocess_stops_cleanly_on_sigterm(tmp_path):
    root, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    root.mkdir()
    write_csv(root / "housing_needs" / "incoming" / "ta.csv", H01A_HEADERS, h01a_rows(3))
    costcalc = Path(sys.executable).with_name("costcalc")
    cmd = [str(costcalc)] if costcalc.exists() else [sys.executable, "-m", "costcalc.cli"]
    proc = subprocess.Popen([*cmd, "--warehouse", str(wh), "watch", str(root), "--no-build",
                             "--settle", "0.2"], stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: (root / "housing_needs" / "loaded" / "ta.csv").exists(), timeout=60)
        write_csv(root / "housing_needs" / "incoming" / "temporary_accommodation" / "t2.csv",
                  H01A_HEADERS, h01a_rows(2, start=20))
        wait_for(lambda: (root / "housing_needs" / "loaded" / "t2.csv").exists(), timeout=60)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "loaded housing_needs/ta.csv as temporary_accommodation" in err
    assert "3 rows read, 3 accepted, 0 rejected" in err
    assert "stopped" in err
    lock = FolderLock(root)
    assert lock.acquire()  # released on exit: the next run may start
    lock.release()
    # Logs carry no values from the files: no surnames, dates of birth, postcodes or references.
    for secret in ("Testname0", "Testname20", "SW1A 1AA", "P00000", "1980-01-01", "01/01/1980"):
        assert secret not in err


def test_falls_back_to_polling_when_events_are_unavailable(tmp_path, monkeypatch):
    import watchdog.observers

    class NoInotify(watchdog.observers.Observer):
        def schedule(self, *a, **k):
            raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(watchdog.observers, "Observer", NoInotify)
    root, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    root.mkdir()
    w = Watcher(root, wh, settle=0.2, build=False)
    w.prepare_layout()
    with Running(w):
        assert w.events.polling
        write_csv(root / "housing_needs" / "incoming" / "gs.csv", GS00_HEADERS, gs00_rows(2))
        wait_for(lambda: (root / "housing_needs" / "loaded" / "gs.csv").exists())
    assert load_log(wh) == [("gs.csv", "loaded", 2)]
