"""Tracebacks never print credentials: a broker that echoes the request (its ``Authorization: token
key:access_token`` header) into its error drives ``vyapari live --broker zerodha --skip-ready`` into an
uncaught exception; the API key and access token must not reach stdout or stderr. The same for a
thread's uncaught exception, the Fargate live service's entrypoint and a Lambda handler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from vyapari.core.time import IST

API_KEY = "kiteapikey7f3q9z"
ACCESS_TOKEN = "kiteaccesstoken5m2x8w4v"


class _Echo(BaseHTTPRequestHandler):
    """Fails every request with a text/plain 500 holding the request line, headers and body."""

    def do_GET(self) -> None:  # (the name http.server calls)
        self._echo()

    def do_POST(self) -> None:
        self._echo()

    def _echo(self) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size).decode("latin-1") if size else ""
        data = f"{self.command} {self.path} {dict(self.headers)} {body}".encode()
        self.send_response(500)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:  # quiet
        pass


@pytest.fixture
def echo_root() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)  # bound (listening) before the thread starts
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _secrets_file(tmp_path: Path) -> Path:
    now = datetime.now(IST)
    record = {"broker": "zerodha", "access_token": ACCESS_TOKEN, "issued_at": now.isoformat(),
              "valid_until": (now + timedelta(hours=6)).isoformat(), "user_id": "AB1234"}
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"zerodha/session": record}))
    path.chmod(0o600)
    return path


def test_live_zerodha_against_an_echoing_broker_prints_no_credential(echo_root: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BROKER", "KITE_", "PAPER_"))}
    env.update(KITE_API_KEY=API_KEY, KITE_API_ROOT=echo_root, KITE_WS_ROOT=echo_root.replace("http", "ws"),
               KITE_TIMEOUT_S="5", VYAPARI_SECRETS_FILE=str(_secrets_file(tmp_path)))
    cmd = [sys.executable, "-m", "vyapari.cli.main", "live", "--broker", "zerodha", "--skip-ready",
           "--strategy", "sma_cross", "--symbols", "INFY", "--state-dir", str(tmp_path / "state")]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=False)
    out = done.stdout + done.stderr
    assert done.returncode != 0
    assert "Traceback (most recent call last)" in done.stderr  # the uncaught path, not a logged error
    assert "/instruments/NSE" in done.stderr and "'Authorization': '***'" in done.stderr  # the echo, masked
    assert API_KEY not in out and ACCESS_TOKEN not in out


def test_uncaught_exceptions_of_main_and_other_threads_are_redacted() -> None:
    code = f"""
import threading
from vyapari.cli import crash
from vyapari.brokers.redact import register_secret
crash.install()
register_secret({ACCESS_TOKEN!r})
def fail():
    raise RuntimeError("thread saw access_token={ACCESS_TOKEN} api_key={API_KEY}")
t = threading.Thread(target=fail, name="feed")
t.start(); t.join()
raise ValueError("main saw Authorization: token {API_KEY}:{ACCESS_TOKEN}")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 1
    assert "Exception in thread feed" in done.stderr and "RuntimeError: thread saw access_token=***" \
        in done.stderr
    assert "ValueError: main saw Authorization: ***" in done.stderr
    assert API_KEY not in done.stderr and ACCESS_TOKEN not in done.stderr


def test_live_service_entrypoint_installs_the_redacting_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    live_service = pytest.importorskip("functions.live_service.__main__")
    from vyapari.brokers import redact

    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    monkeypatch.setattr(threading, "excepthook", threading.__excepthook__)
    assert live_service.main(["live", "--no-such-flag"], env={}) == 2
    assert sys.excepthook is redact.excepthook and threading.excepthook is redact.thread_excepthook


class _OwnText(Exception):
    def __str__(self) -> str:
        return f"request failed: Authorization: token {API_KEY}:{ACCESS_TOKEN}"


@pytest.mark.parametrize("error", [ValueError(f"bad call access_token={ACCESS_TOKEN}"), _OwnText()],
                         ids=["args", "own __str__"])
def test_lambda_handler_errors_leave_redacted_with_their_class_name(
        error: Exception, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("aws_lambda_powertools")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    from functions.local.moto_lambda import FakeLambdaContext
    from functions.shared.powertools import instrument

    @instrument
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise error

    with pytest.raises(Exception) as caught:  # any class: its name is checked
        lambda_handler({}, FakeLambdaContext("fn"))
    exc = caught.value
    text = str(exc) + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    assert type(exc).__name__ == type(error).__name__  # Step Functions match errors by this name
    assert "***" in str(exc) and API_KEY not in text and ACCESS_TOKEN not in text
