"""The no-skip rule (tests/helpers/no_skip.py): with COSTCALC_NO_SKIP=1 a skipped
test or module fails with its reason, and only strict expected failures are allowed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent

SAMPLE = '''
import pytest

def test_passes():
    assert 1 + 1 == 2

def test_skips():
    pytest.skip("no frobnicator here")

@pytest.mark.skipif(True, reason="never on Tuesdays")
def test_skipif():
    assert False

@pytest.mark.xfail(strict=True, reason="known bug 12")
def test_strict_xfail():
    assert False

@pytest.mark.xfail(reason="maybe broken")
def test_loose_xfail():
    assert False
'''

SKIPPED_MODULE = '''
import pytest
pytest.importorskip("no_such_module_costcalc")

def test_never_runs():
    assert False
'''


def _run(tmp_path: Path, no_skip: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "conftest.py").write_text(
        "from helpers.no_skip import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401\n")
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    (tmp_path / "test_skipped_module.py").write_text(SKIPPED_MODULE)
    env = {k: v for k, v in os.environ.items() if k != "COSTCALC_NO_SKIP"}
    env["PYTHONPATH"] = str(TESTS) + os.pathsep + env.get("PYTHONPATH", "")
    if no_skip is not None:
        env["COSTCALC_NO_SKIP"] = no_skip
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider",
                           "--continue-on-collection-errors", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=False)


def _outcomes(out: str) -> str:
    return out.strip().splitlines()[-1]


def test_with_no_skip_a_skip_is_a_failure_with_its_reason(tmp_path):
    res = _run(tmp_path, "1")
    out = res.stdout
    assert res.returncode == 1, out
    # skipif fails at set-up (an error), the skipped module at collection (an error)
    assert _outcomes(out).startswith("2 failed, 1 passed, 1 xfailed, 2 errors"), out
    assert "COSTCALC_NO_SKIP=1 allows no skipped test: Skipped: no frobnicator here" in out
    assert "COSTCALC_NO_SKIP=1 allows no skipped test: Skipped: never on Tuesdays" in out
    assert "COSTCALC_NO_SKIP=1: an xfail must be strict=True (maybe broken)" in out
    assert "COSTCALC_NO_SKIP=1 allows no skipped module: Skipped: could not import 'no_such_module_costcalc'" in out
    assert "XFAIL test_sample.py::test_strict_xfail - known bug 12" in out
    assert "PASSED test_sample.py::test_passes" in out


def test_without_it_skips_stay_skips(tmp_path):
    res = _run(tmp_path, None)
    assert res.returncode == 0, res.stdout
    assert _outcomes(res.stdout).startswith("1 passed, 3 skipped, 2 xfailed"), res.stdout
