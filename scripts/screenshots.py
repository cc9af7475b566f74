#!/usr/bin/env python3
"""Screenshots of every dashboard page, for docs/dashboard.md (``make screenshots``).

Builds the demo borough (``costcalc demo``, in a temporary folder) unless
``--warehouse`` names one already built, publishes the dashboard from it, opens
each page in headless chromium (tests/helpers/browser.py, over CDP) and saves
``docs/images/dashboard-<page>.png``: the top of the page, at most
``--max-height`` pixels (the chart and the start of the table).

Needs Debian's chromium (scripts/setup-system.sh) and the test extra
(websocket-client): ``.venv/bin/python scripts/screenshots.py``.
"""

from __future__ import annotations

import argparse
import base64
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from helpers.browser import browser  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", type=Path, help="a built demo warehouse (default: build one)")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    ap.add_argument("--people", type=int, default=3000, help="people in the demo borough (default 3000)")
    ap.add_argument("--from", dest="date_from", default="2023-04-01",
                    help="first day of the dashboard's period (default 2023-04-01: the demo's last three "
                         "financial years)")
    ap.add_argument("--to", dest="date_to", default="2026-03-31", help="last day (default 2026-03-31)")
    ap.add_argument("--width", type=int, default=1200)
    ap.add_argument("--max-height", type=int, default=1500)
    args = ap.parse_args()
    costcalc = str(Path(sys.executable).with_name("costcalc"))
    with tempfile.TemporaryDirectory(prefix="costcalc-shots-") as tmp:
        tmp = Path(tmp)
        warehouse = args.warehouse
        if warehouse is None:
            warehouse = tmp / "warehouse" / "costcalc.duckdb"
            subprocess.run([costcalc, "--warehouse", str(warehouse), "demo", "--out", str(tmp / "demo_data"),
                            "--people", str(args.people)], check=True, stdout=subprocess.DEVNULL)
        site = tmp / "site"
        subprocess.run([costcalc, "--warehouse", str(warehouse), "publish", str(site), "--from", args.date_from,
                        "--to", args.date_to], check=True)
        args.out.mkdir(parents=True, exist_ok=True)
        for stale in args.out.glob("dashboard-*.png"):
            stale.unlink()
        with browser(width=args.width) as page:
            for html in sorted(site.glob("*.html")):
                page.call("Emulation.clearDeviceMetricsOverride")  # measure at the window's own size
                page.goto(html.as_uri())
                if page.errors:
                    print(f"{html.name}: {page.errors}", file=sys.stderr)
                    return 1
                height = min(int(page.evaluate("document.documentElement.scrollHeight")), args.max_height)
                page.call("Emulation.setDeviceMetricsOverride", width=args.width, height=height,
                          deviceScaleFactor=1, mobile=False)
                data = page.call("Page.captureScreenshot", format="png")["data"]
                target = args.out / f"dashboard-{html.stem}.png"
                target.write_bytes(base64.b64decode(data))
                print(f"{target.relative_to(REPO) if target.is_relative_to(REPO) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
