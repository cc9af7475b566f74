"""pytest hooks: with COSTCALC_NO_SKIP=1 (``make test`` sets it) no test may be skipped.

A skipped test, or a module skipped at collection, becomes a failure carrying
the skip's reason; an expected failure (``xfail``) is allowed only with
``strict=True``. tests/conftest.py installs these hooks.
"""

from __future__ import annotations

import os

import pytest

ENV = "COSTCALC_NO_SKIP"


def _active() -> bool:
    return os.environ.get(ENV) == "1"


def _reason(longrepr) -> str:
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (file, line, "Skipped: reason")
        return str(longrepr[2])
    return str(longrepr)


def _strict_xfail(item) -> bool:
    marker = item.get_closest_marker("xfail")
    if marker is None:  # pytest.xfail() called inside the test: never strict
        return False
    return bool(marker.kwargs.get("strict", item.config.getini("xfail_strict")))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not _active():
        return
    if hasattr(report, "wasxfail"):
        if _strict_xfail(item):
            return
        report.outcome = "failed"
        report.longrepr = f"{ENV}=1: an xfail must be strict=True ({report.wasxfail or 'no reason'})"
        del report.wasxfail
    elif report.skipped:
        report.outcome = "failed"
        report.longrepr = f"{ENV}=1 allows no skipped test: {_reason(report.longrepr)}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if _active() and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"{ENV}=1 allows no skipped module: {_reason(report.longrepr)}"
