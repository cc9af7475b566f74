"""A real browser for the tests: Debian's headless ``chromium``, driven over the Chrome
DevTools Protocol (CDP) with the small ``websocket-client`` package.

Why not Playwright: it downloads its own browser builds at install time (network
we do not have, and not Debian's chromium). CDP over one websocket is all the
dashboard tests need: open a page, collect console errors, uncaught exceptions
and CSP violations, evaluate a little script, click with the mouse, take a
screenshot. ``scripts/screenshots.py`` uses it too.

Skipped (a failure under COSTCALC_NO_SKIP=1) when chromium is missing:
``scripts/setup-system.sh`` installs it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class Page:
    """One browser tab: navigate, evaluate, click, screenshot; it records every
    console error, uncaught exception and browser log error (CSP violations included)."""

    def __init__(self, ws):
        self.ws = ws
        self._id = 0
        self.errors: list[str] = []
        self._events: list[dict] = []
        self.requests: list[str] = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def _handle_event(self, msg: dict) -> None:
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                       for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            self.errors.append("exception: " + str(d.get("exception", {}).get("description") or d.get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.errors.append("log: " + str(params["entry"].get("text")))
        elif method == "Network.requestWillBeSent":
            self.requests.append(str(params.get("request", {}).get("url")))
        elif method == "Page.javascriptDialogOpening":
            self.errors.append("dialog: " + str(params.get("message")))
            self.ws.send(json.dumps({"id": 0, "method": "Page.handleJavaScriptDialog",
                                     "params": {"accept": True}}))
        self._events.append(msg)

    def call(self, method: str, timeout: float = 30.0, **params) -> dict:
        self._id += 1
        my_id = self._id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self._handle_event(msg)
        raise TimeoutError(method)

    def wait_event(self, method: str, timeout: float = 30.0) -> dict:
        for i, msg in enumerate(self._events):
            if msg.get("method") == method:
                return self._events.pop(i)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self._handle_event(msg)
                if msg["method"] == method:
                    self._events.remove(msg)
                    return msg
        raise TimeoutError(method)

    def goto(self, url: str) -> None:
        """Open ``url`` and wait until it has loaded and painted; errors and requests start afresh."""
        self._events.clear()
        self.errors.clear()
        self.requests.clear()
        self.call("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")
        self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluate failed: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def click(self, selector: str) -> None:
        """A real mouse click (pressed, released) at the middle of the element."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView();"
            " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    def screenshot(self, path: Path, width: int = 1200) -> None:
        """The whole page (its full height) as a PNG."""
        height = int(self.evaluate("Math.ceil(document.documentElement.scrollHeight)"))
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=False)
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        Path(path).write_bytes(base64.b64decode(data))


@contextmanager
def browser(width: int = 1200, height: int = 900):
    """A headless chromium and one page in it; both closed at the end."""
    import websocket

    exe = chromium_path()
    if exe is None:
        raise FileNotFoundError("chromium is not installed (scripts/setup-system.sh installs it)")
    profile = tempfile.mkdtemp(prefix="costcalc-chromium-")
    args = [exe, "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--remote-debugging-port=0", f"--user-data-dir={profile}", f"--window-size={width},{height}",
            "about:blank"]
    if os.geteuid() == 0:
        args.insert(1, "--no-sandbox")  # chromium refuses to run its sandbox as root (containers, CI)
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ws = None
    try:
        port = None
        active = Path(profile) / "DevToolsActivePort"  # chromium writes its port here
        deadline = time.monotonic() + 60
        while port is None and time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"chromium exited ({proc.returncode})")
            with contextlib.suppress(FileNotFoundError):  # not written yet
                lines = active.read_text().splitlines()
                if len(lines) >= 2 and lines[0].strip().isdigit():  # port, then path: fully written
                    port = int(lines[0])
            if port is None:
                time.sleep(0.1)
        if port is None:
            raise TimeoutError("chromium did not start its DevTools endpoint")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
            targets = json.load(resp)
        page_url = next(t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page")
        ws = websocket.create_connection(page_url, timeout=30, suppress_origin=True)
        yield Page(ws)
    finally:
        if ws is not None:
            ws.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
