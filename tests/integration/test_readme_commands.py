"""Every shell command of the README and the tutorial, run as written in a fresh folder.

Each ``bash`` block of README.md and docs/tutorial.md runs in ``bash -euo pipefail`` with the
installed CLI on ``PATH``, in order, one folder per document. Not run here, and why: ``NOT_HERE``
and ``NEEDS_A_BROKER``.
Edits, all to stay quick and isolated: the sample gets 4 sessions instead of 30; the API's fixed
port becomes a free one; the password placeholder ``…`` becomes the password the prompt was given;
``api serve``, run from a folder outside the clone, gets ``--app-dir CLONE`` (as the README says).
A python block introduced by "Save this as `NAME`" is written to NAME first, as a reader would. A
long-running command (``api serve``) is started, awaited until it answers, and stopped at the end of
its block.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
NOT_HERE = {
    "make ": "the make targets are what CI itself runs (make demo: tests/integration/test_demo_pipeline.py)",
    "npx cdk ": "needs an AWS account (synth is covered by tests/infrastructure)",
    "aws ": "needs an AWS account",
}
# a block whose commands start from a live broker feed runs against fake broker servers elsewhere
NEEDS_A_BROKER = {
    "vyapari live --broker paper --feed ": "records a live Kite session: the same record, replay and "
    "backtest loop runs against a fake Kite server in tests/integration/live/test_session_recording.py "
    "and tests/integration/brokers/test_paper_on_live_feed.py",
}
LONG_RUNNING = "vyapari api serve"
PASSWORD = "a long local password 42"
FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)


def _commands(code: str) -> list[str]:
    """The block's commands: continuation lines and lines inside an open quote joined, comments cut."""
    commands: list[str] = []
    for raw in re.sub(r"\\\n\s*", " ", code).splitlines():
        if commands and commands[-1].count("'") % 2:
            commands[-1] += " " + raw.strip()
            continue
        line = re.sub(r"\s+#\s.*$", "", raw).strip()
        if line and not line.startswith("#"):
            commands.append(line)
    return commands


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _edited(line: str, port: int) -> str:
    line = line.replace("--sessions 30", "--sessions 4").replace("…", PASSWORD)
    line = re.sub(r"(--port |127\.0\.0\.1:)8080\b", rf"\g<1>{port}", line)
    return f"{line} --app-dir {ROOT}" if line.startswith(LONG_RUNNING) else line


def _environment() -> dict[str, str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return {**os.environ, "PATH": path, "COLUMNS": "120"}


def _bash(script: str, folder: Path, what: str) -> None:
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=folder, env=_environment(),
                          input=f"{PASSWORD}\n{PASSWORD}\n", capture_output=True, text=True, timeout=900,
                          start_new_session=True, check=False)  # fmt: skip
    assert proc.returncode == 0, f"{what}: exited {proc.returncode}:\n{script}\n{proc.stderr[-3000:]}"


def _start(line: str, port: int, folder: Path) -> subprocess.Popen[str]:
    server = subprocess.Popen(["bash", "-c", f"exec {line}"], cwd=folder, env=_environment(), text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while True:
        assert server.poll() is None, f"`{line}` exited: {server.communicate()[1]}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=5) as reply:
                assert reply.status == 200
            return server
        except OSError:
            assert time.monotonic() < deadline, f"`{line}` never answered on port {port}"
            time.sleep(0.2)  # polling for readiness: the server is ready once it answers


def _run_document(document: Path, folder: Path) -> list[str]:
    text, ran = document.read_text(encoding="utf-8"), []
    for block in FENCE.finditer(text):
        language, code = block.group(1), block.group(2)
        saved = re.search(r"Save this as `([\w.]+)`[^`]*$", text[: block.start()])
        if language == "python" and saved:
            (folder / saved.group(1)).write_text(code, encoding="utf-8")
        if language != "bash":
            continue
        if any(line.startswith(tuple(NEEDS_A_BROKER)) for line in _commands(code)):
            continue
        port = _free_port()
        servers: list[subprocess.Popen[str]] = []
        pending: list[str] = []
        try:
            for line in _commands(code):
                if any(line.startswith(prefix) for prefix in NOT_HERE):
                    continue
                ran.append(line)
                if line.startswith(LONG_RUNNING):
                    if pending:
                        _bash("\n".join(pending), folder, document.name)
                    pending = []
                    servers.append(_start(_edited(line, port), port, folder))
                else:
                    pending.append(_edited(line, port))
            if pending:
                _bash("\n".join(pending), folder, document.name)
        finally:
            for server in servers:
                server.terminate()
                server.communicate(timeout=30)
    return ran


def test_every_shell_command_of_the_readme_runs_as_written(tmp_path: Path) -> None:
    ran = _run_document(ROOT / "README.md", tmp_path)
    assert any(line.startswith(LONG_RUNNING) for line in ran), ran
    assert any(line.startswith("curl") for line in ran), ran
    assert (tmp_path / "runs" / "momentum" / "summary.json").is_file()


def test_every_command_of_the_tutorial_runs_and_leaves_a_report_and_a_paper_session(tmp_path: Path) -> None:
    ran = _run_document(ROOT / "docs" / "tutorial.md", tmp_path)
    assert len(ran) >= 6, f"only {len(ran)} commands found: {ran}"
    assert (tmp_path / "runs" / "sma" / "report.html").stat().st_size > 10_000
    assert (tmp_path / "paper" / "orders.sqlite").is_file()
