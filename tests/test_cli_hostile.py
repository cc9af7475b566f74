"""Tracebacks instead of messages (issue 10, items 8 and 11): huge numbers on the command
line, a folder as the warehouse, Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest
from click.testing import CliRunner

from costcalc.cli import main
from reports_marts_helper import build_marts


@pytest.fixture(scope="module")
def marts(tmp_path_factory):
    return build_marts(tmp_path_factory.mktemp("cli") / "wh.duckdb")


@pytest.mark.parametrize("args", [
    ["report", "top-clients", "--limit", "99999999999999999999"],
    ["report", "top-clients", "--limit", "0"],
    ["report", "services", "--min-age", "99999999999999999999"],
    ["report", "services", "--max-age", "-1"],
])
def test_numbers_out_of_range_are_a_message(marts, args):
    res = CliRunner().invoke(main, ["--warehouse", str(marts), *args])
    assert res.exit_code == 2, res.output
    assert "Invalid value for" in res.output and "is not in the range" in res.output
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit)


def test_the_largest_limit_runs(marts):
    res = CliRunner().invoke(main, ["--warehouse", str(marts), "report", "top-clients", "--limit", "1000000"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("args", [["load", "x.csv"], ["report", "services"], ["build"],
                                  ["lookup", "C00000001", "--reason", "Safeguarding check, duty team", "--purpose", "B",
                                   "--case-reference", "SG-2024-0113"]])
def test_a_folder_as_the_warehouse_is_a_message_for_every_command(tmp_path, monkeypatch, args):
    (tmp_path / "x.csv").write_text("a\n1\n")
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["--warehouse", str(tmp_path), *args])
    assert res.exit_code == 2
    assert f"Invalid value for --warehouse: {tmp_path} is a folder" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


def test_ctrl_c_is_one_line_and_exit_code_130(tmp_path):
    """A real SIGINT to a real costcalc process, while a command runs."""
    script = textwrap.dedent("""
        import sys, time
        import click
        from costcalc import cli

        @click.command("slow")
        def slow():
            print("ready", flush=True)
            time.sleep(60)

        cli.main.add_command(slow)
        sys.argv = ["costcalc", "--warehouse", sys.argv[1], "slow"]
        cli.main()
    """)
    # as from a terminal: a test run started in the background (`make test &`) ignores SIGINT,
    # and a child would inherit that and never see the Ctrl-C
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "wh.duckdb")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.strip() == "costcalc: interrupted (Ctrl-C)"
    assert "Traceback" not in err
