"""Helpers of the tests of ``vyapari api serve``: users made with the real CLI, the server as a subprocess
(ready when it prints its address), sign-in through ``POST /auth/login`` and plain HTTP calls."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "correct horse battery"


def vyapari(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a subprocess from the repository root."""
    return subprocess.run([sys.executable, "-m", "vyapari.cli.main", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)


def add_user(state_dir: Path, name: str, role: str, password: str = PASSWORD) -> None:
    """``vyapari api users add NAME --role ROLE --password-stdin``."""
    done = vyapari("api", "users", "add", name, "--role", role, "--password-stdin", "--state-dir",
                   str(state_dir), stdin=password + "\n")
    assert done.returncode == 0, done.stderr


@dataclass
class Server:
    """A running ``vyapari api serve``: its base URL, process and the folders it was given."""

    base: str
    process: subprocess.Popen[str]
    state_dir: Path
    live_state_dir: Path
    stderr: Path

    def errors(self) -> str:
        """What the server wrote to stderr so far."""
        return self.stderr.read_text(encoding="utf-8")

    def call(self, method: str, path: str, *, token: str | None = None, body: Any = None,
             raw: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """``(status, decoded JSON or bytes)`` of one request."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        sent = dict(headers or {})
        if body is not None:
            sent.setdefault("Content-Type", "application/json")
        if token:
            sent["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        try:
            return status, json.loads(payload)
        except ValueError:
            return status, payload

    def login(self, name: str, password: str = PASSWORD) -> str:
        """A token for ``name`` from ``POST /auth/login``."""
        status, answer = self.call("POST", "/auth/login", body={"username": name, "password": password})
        assert status == 200, answer
        return str(answer["access_token"])


def start_server(tmp_path: Path, *extra: str,
                 lake: Path | None = None) -> tuple[subprocess.Popen[str], Path, Path, Path]:
    """``vyapari api serve --port 0`` started in ``tmp_path`` (stdout piped, stderr to ``serve.err``):
    the process, its state folder, its live state folder and its stderr file."""
    state, live, errors = tmp_path / "api-state", tmp_path / "live-state", tmp_path / "serve.err"
    command = [sys.executable, "-m", "vyapari.cli.main", "api", "serve", "--port", "0",
               "--lake", str(lake or tmp_path / "lake"), "--state-dir", str(state),
               "--live-state-dir", str(live), *extra]
    with errors.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=sink, text=True)
    return process, state, live, errors


@contextmanager
def serve(tmp_path: Path, *extra: str, lake: Path | None = None) -> Iterator[Server]:
    """``vyapari api serve --port 0`` on loopback until the block ends; ready once it prints its URL.

    Its stdout is drained by a thread after that line and its stderr goes to a file, so a chatty
    server never blocks on a full pipe.
    """
    process, state, live, errors = start_server(tmp_path, *extra, lake=lake)
    assert process.stdout is not None
    try:
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/swagger", line)
        if not match:
            process.kill()
            process.wait(timeout=20)
            raise AssertionError(f"the server did not start: {line!r} {errors.read_text()}")
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield Server(f"http://127.0.0.1:{match.group(1)}", process, state, live, errors)
    finally:
        process.terminate()
        process.wait(timeout=20)
