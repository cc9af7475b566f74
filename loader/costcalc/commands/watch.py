"""``costcalc watch DIR``: load what providers drop into a folder (see docs/watch.md)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

import click

from costcalc.settings import SettingsError, load_settings
from costcalc.safe_output import SafeLogFormatter
from costcalc.watch.folder import PURGE_EVERY, FolderLock, Watcher

class _CannotRun(click.ClickException):
    """The watcher cannot start (exit code 2, as for a file that cannot be processed)."""

    exit_code = 2


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _configure_logging() -> None:
    """INFO to stderr, unless the embedding program (or a test runner) has set up
    logging already, in which case its configuration is left alone."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(SafeLogFormatter(LOG_FORMAT))  # no ESC sequences or forged lines
    # The loader logs each load (and its warnings) too; the watcher's own line per file
    # says it all, warnings included. The loader's errors still show.
    handler.addFilter(lambda r: r.name != "costcalc.ingest.landing" or r.levelno >= logging.ERROR)
    root.addHandler(handler)
    logging.getLogger("costcalc").setLevel(logging.INFO)


class _Signals:
    """SIGINT/SIGTERM ask the watcher to stop after the current file; a second
    Ctrl-C interrupts at once. Only possible from the main thread."""

    def __init__(self, watcher: Watcher):
        self.watcher = watcher
        self.previous: dict[int, object] = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame):
        logging.getLogger("costcalc.watch").info(
            "%s received: stopping after the current file", signal.Signals(signum).name)
        self.watcher.stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        return False


@click.command("watch")
@click.argument("directory", metavar="DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--once", is_flag=True,
              help="Process the files waiting now, build, and exit (for cron). Exit code 1 if a "
                   "file was rejected (including a file with no good row, or too many bad rows), "
                   "2 if a file could not be processed or the build failed.")
@click.option("--no-build", is_flag=True, help="Do not build the warehouse after each batch.")
@click.option("--poll", is_flag=True,
              help="Poll the folder instead of using filesystem events (network shares; "
                   "chosen automatically for NFS/SMB mounts on Linux).")
@click.option("--settle", type=click.FloatRange(min=0), default=5.0, show_default=True, metavar="SECONDS",
              help="A file is loaded once its size and time have not changed for this long.")
@click.option("--no-layout", is_flag=True,
              help="Do not create the incoming/, loaded/ and rejected/ folders of the providers "
                   "named in seeds/file_types.csv.")
@click.option("--no-purge", is_flag=True,
              help="Do not run the daily purge of files, rejected values and audit logs that outlived "
                   "their retention period (docs/retention.md).")
@click.pass_context
def watch_command(ctx: click.Context, directory: Path, once: bool, no_build: bool, poll: bool,
                  settle: float, no_layout: bool, no_purge: bool = False) -> None:
    """Load files that providers drop into DIR/<provider>/incoming/.

    A file in incoming/<file_type>/ is loaded as that file type; a file directly
    in incoming/ is recognised from its headers. Loaded files move to
    DIR/<provider>/loaded/, rejected ones to DIR/<provider>/rejected/ with their
    error report (<file>.errors.csv). See docs/watch.md.
    """
    _configure_logging()
    try:
        load_settings()  # a broken costcalc.yml stops the watcher at start, not file by file
    except SettingsError as exc:
        raise _CannotRun(str(exc)) from None
    warehouse: Path = ctx.obj.warehouse
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    watcher = Watcher(directory, warehouse, settle=settle, build=not no_build, poll=poll,
                      purge_every=None if no_purge else PURGE_EVERY)
    lock = FolderLock(watcher.root)
    if not lock.acquire():
        raise _CannotRun(f"another costcalc watch is already working on {watcher.root}")
    try:
        if not no_layout:
            watcher.prepare_layout()
        with _Signals(watcher):
            code = watcher.run_once() if once else watcher.run()
    finally:
        lock.release()
    ctx.exit(code)
