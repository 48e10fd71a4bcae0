"""Helpers of the local dashboard server tests: ``vyapari api serve`` with its WebSocket endpoint, a
``vyapari live`` paper replay beside it, and a WebSocket client reading on a thread."""

from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.unit.api.api_server import ROOT, Server, start_server

IDLE_STRATEGY = '''
from vyapari.strategy.strategy import Strategy


class Idle(Strategy):
    """Trades nothing: the only orders are the manual ones."""

    name = "idle"

    def on_bar(self, ctx):
        return None
'''


@dataclass
class Stack(Server):
    """A running ``vyapari api serve`` and its WebSocket URL."""

    ws_url: str = ""


@contextmanager
def serve_with_ws(tmp_path: Path, *extra: str, lake: Path | None = None) -> Iterator[Stack]:
    """``vyapari api serve --port 0`` until the block ends: ready once it has printed both its URLs."""
    process, state, live, errors = start_server(tmp_path, *extra, lake=lake)
    assert process.stdout is not None
    try:
        base = ws = ""
        lines: list[str] = []
        while not (base and ws):
            line = process.stdout.readline()
            if not line:
                raise AssertionError(f"the server did not start: {lines} {errors.read_text()}")
            lines.append(line)
            if found := re.search(r"(http://127\.0\.0\.1:\d+)/swagger", line):
                base = found.group(1)
            if found := re.search(r"(ws://127\.0\.0\.1:\d+/)", line):
                ws = found.group(1)
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield Stack(base, process, state, live, errors, ws)
    finally:
        process.terminate()
        process.wait(timeout=30)


class WsClient:
    """A WebSocket client whose messages are read on a thread, each stamped with its arrival time."""

    def __init__(self, url: str) -> None:
        from websockets.sync.client import connect

        self._stack = ExitStack()
        self.connection = self._stack.enter_context(connect(url, open_timeout=20))
        self.messages: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            while True:
                raw = self.connection.recv()
                self.messages.put((time.monotonic(), json.loads(raw)))
        except ConnectionClosed:
            return

    def send(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send a subscription message; its reply."""
        self.connection.send(json.dumps(message))
        return self.next(lambda m: "ok" in m)[1]

    def next(self, wanted: Any, timeout_s: float = 60.0) -> tuple[float, dict[str, Any]]:
        """The next message ``wanted(message)`` accepts (others are skipped), with its arrival time."""
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no such WebSocket message in time")
            at, message = self.messages.get(timeout=left)
            if wanted(message):
                return at, message

    def close(self) -> None:
        """Close the connection."""
        self._stack.close()
        self._thread.join(10)


def live_replay(day: Path, state: Path, strategy: str, params: str, speed: str) -> subprocess.Popen[str]:
    """``vyapari live --broker paper --replay DAY --state-dir STATE`` in a subprocess (stdout: summary)."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPER_", "BROKER"))}
    env["PAPER_FEES"], env["PAPER_SLIPPAGE_BPS"] = "zerodha", "5"
    command = [sys.executable, "-m", "vyapari.cli.main", "live", "--broker", "paper", "--strategy", strategy,
               "--params", params, "--replay", str(day), "--state-dir", str(state), "--speed", speed]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_for(check: Any, timeout_s: float = 60.0, what: str = "the condition") -> Any:
    """Poll ``check()`` every 50 ms until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout_s} s")
