"""Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``):
no driver, no websocket, no port, so nothing listens on the network. Messages are JSON, each
ended by a NUL byte; Chromium reads commands on its fd 3 and writes answers and events on fd 4.

    python -m tests.history.browser PAGE.html OUT.png [WIDTH]   # a full-page screenshot
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BINARIES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)
"""As the machine's notes start it as root; without the background-networking flags Chromium
tries Google's hosts at every start, which a closed network refuses."""


def find_chromium() -> str | None:
    """``$SEARCHBENCH_CHROMIUM``, else the first Chromium or Chrome on ``PATH``."""
    named = os.environ.get("SEARCHBENCH_CHROMIUM")
    if named:
        return named
    return next((path for name in BINARIES if (path := shutil.which(name))), None)


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless Chromium; ``open`` loads a page in a new tab and returns it."""

    def __init__(self, binary: str, width: int = 1280, height: int = 900) -> None:
        self.width, self.height = width, height
        self._profile = tempfile.mkdtemp(prefix="searchbench-chromium-")
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()
        # Chromium's ends go to fds 3 and 4 in the child; park them high so that dup2 cannot
        # overwrite one with the other whatever numbers the pipes got.
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 20) for fd in (commands_read, answers_write)]
        os.close(commands_read)
        os.close(answers_write)

        def child_fds() -> None:
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        command = [binary, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"]
        self.process = subprocess.Popen(
            command,
            pass_fds=(3, 4),
            preexec_fn=child_fds,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fd in high:
            os.close(fd)
        self._inbox: queue.Queue[dict | None] = queue.Queue()
        self._events: list[dict] = []
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        with os.fdopen(self._answers, "rb", buffering=0) as stream:
            while chunk := stream.read(65536):
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for message in messages:
                    self._inbox.put(json.loads(message))
        self._inbox.put(None)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send one command and wait for its answer (events that arrive meanwhile are kept)."""
        self._next_id += 1
        message: dict = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._receive(f"the answer to {method}")
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                return answer["result"]
            self._events.append(answer)

    def wait_for(self, method: str, session: str, timeout_s: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            for event in self._events:
                if event.get("method") == method and event.get("sessionId") == session:
                    self._events.remove(event)
                    return event
            self._events.append(self._receive(method, deadline - time.monotonic()))

    def _receive(self, what: str, timeout_s: float = 15.0) -> dict:
        try:
            message = self._inbox.get(timeout=max(timeout_s, 0.01))
        except queue.Empty:
            raise BrowserError(f"Chromium sent no {what} in time") from None
        if message is None:
            raise BrowserError(f"Chromium closed its pipe before {what}")
        return message

    def events(self, session: str) -> list[dict]:
        while not self._inbox.empty():
            message = self._inbox.get()
            if message is not None:
                self._events.append(message)
        return [event for event in self._events if event.get("sessionId") == session]

    def open(self, path: Path) -> Page:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        page = Page(self, attached["sessionId"])
        for domain in ("Page", "Runtime", "Log"):
            page.call(f"{domain}.enable")
        metrics = {"width": self.width, "height": self.height, "deviceScaleFactor": 1}
        page.call("Emulation.setDeviceMetricsOverride", {**metrics, "mobile": False})
        page.call("Page.navigate", {"url": Path(path).resolve().as_uri()})
        self.wait_for("Page.loadEventFired", page.session)
        return page

    def close(self) -> None:
        with contextlib.suppress(BrowserError, OSError):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser, self.session = browser, session

    def call(self, method: str, params: dict | None = None) -> dict:
        return self.browser.call(method, params, self.session)

    def evaluate(self, expression: str) -> object:
        """The value of a JavaScript expression (a promise is awaited)."""
        params = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        done = self.call("Runtime.evaluate", params)
        if "exceptionDetails" in done:
            raise BrowserError(f"{expression[:80]}...: {done['exceptionDetails']}")
        return done["result"].get("value")

    def wait_until(self, expression: str, timeout_s: float = 10.0) -> object:
        deadline = time.monotonic() + timeout_s
        while not (value := self.evaluate(expression)):
            if time.monotonic() > deadline:
                raise BrowserError(f"not true in {timeout_s} s: {expression}")
            time.sleep(0.05)
        return value

    def front(self) -> None:
        """Make this tab the one on screen: a background tab draws and animates late."""
        self.call("Page.bringToFront")

    def hover(self, x: float, y: float) -> None:
        self.front()
        self.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})

    def click(self, x: float, y: float) -> None:
        self.front()
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            params = {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}
            self.call("Input.dispatchMouseEvent", params)

    def screenshot(self) -> bytes:
        """A PNG of the whole page, beyond the viewport."""
        self.front()
        params = {"format": "png", "captureBeyondViewport": True}
        return base64.b64decode(self.call("Page.captureScreenshot", params)["data"])

    def console_errors(self) -> list[str]:
        """What the page reported as an error: console.error and assert, uncaught exceptions,
        and the browser's own log errors (a file that failed to load, say)."""
        errors = []
        for event in self.browser.events(self.session):
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a)) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                errors.append(str(params.get("exceptionDetails", {}).get("exception", params)))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                errors.append(f"{entry.get('text')} {entry.get('url', '')}".strip())
        return errors


def _screenshot(page_path: str, out: str, width: str = "1280") -> None:
    binary = find_chromium()
    if binary is None:
        raise SystemExit("no chromium binary on PATH (apt-get install chromium)")
    with Browser(binary, width=int(width), height=800) as browser:
        page = browser.open(Path(page_path))
        page.wait_until("document.readyState === 'complete'")
        Path(out).write_bytes(page.screenshot())
        errors = page.console_errors()
    print(f"wrote {out}" + (f"; console errors: {errors}" if errors else ""))


if __name__ == "__main__":
    _screenshot(*sys.argv[1:])
