"""Start-up of the real CLI process: ``--help``, ``--version`` and ``<command> --help`` import no
pandas, numpy or numba (what made them take most of a second), and a closed pipe ends quietly.

Each case runs in a fresh interpreter (``sys.modules`` of this test process says nothing). Timing is
never asserted here: ``benchmarks/bench_process.py`` measures it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import vyapari
from vyapari.cli.main import COMMANDS

HEAVY = ("pandas", "numpy", "numba", "pyarrow", "plotly", "statsmodels", "pandas_market_calendars")
SDK = Path(vyapari.__file__).resolve().parents[1]

# Runs the CLI's main() in-process, then reports which heavy packages it loaded on stderr's last line.
HARNESS = f"HEAVY = {HEAVY!r}\n" + """
import contextlib, io, json, sys
from vyapari.cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    status = main(sys.argv[1:])
heavy = sorted(m for m in HEAVY if m in sys.modules)
print(json.dumps({"status": status, "heavy": heavy, "out": out.getvalue()}), file=sys.stderr)
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SDK), env.get("PYTHONPATH", "")) if p)
    env.pop("_ARGCOMPLETE", None)
    return env


def _loaded(*argv: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", HARNESS, *argv], capture_output=True, text=True, env=_env(), timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [("--help",), ("--version",)], ids=["help", "version"])
def test_top_level_help_and_version_import_no_heavy_package(argv):
    report = _loaded(*argv)
    assert report["status"] == 0
    assert report["heavy"] == []
    expected = "<command>" if argv == ("--help",) else f"vyapari {vyapari.__version__}"
    assert expected in str(report["out"])


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_command_help_imports_no_heavy_package(command):
    report = _loaded(command, "--help")
    assert report["status"] == 0
    assert f"usage: vyapari {command}" in str(report["out"])  # the command's own parser, fully built
    assert report["heavy"] == [], f"vyapari {command} --help imported {report['heavy']}"


def test_running_a_command_still_imports_what_it_needs():
    # The harness can see an import: a command that computes loads its libraries when it runs.
    report = _loaded("costs", "--exchange", "NSE", "--segment", "intraday", "--qty", "10", "--buy", "100",
                     "--json")
    assert report["status"] == 0
    assert "numpy" in report["heavy"]
    assert json.loads(str(report["out"]))["quantity"] == 10


def test_closed_pipe_ends_quietly_with_status_141():
    # Six years of sessions is ~200 KB of JSON, more than a pipe holds: the writer is still writing
    # when the reader closes after the first line (what `vyapari calendar --json | head -1` does).
    proc = subprocess.Popen(
        [sys.executable, "-m", "vyapari.cli.main", "calendar", "--json", "--from", "2020-01-01",
         "--to", "2025-12-31"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().strip() == b"["
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err
    assert err == ""


def test_shell_completion_with_argcomplete(tmp_path):
    pytest.importorskip("argcomplete", reason="argcomplete is the optional 'completion' extra")
    out = tmp_path / "completions"
    env = _env() | {"_ARGCOMPLETE": "1", "COMP_LINE": "vyapari backtest --str", "COMP_POINT": "22",
                    "_ARGCOMPLETE_STDOUT_FILENAME": str(out)}
    done = subprocess.run([sys.executable, "-m", "vyapari.cli.main"], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert out.read_text().split() == ["--strategy"]
    env |= {"COMP_LINE": "vyapari cal", "COMP_POINT": "11"}
    subprocess.run([sys.executable, "-m", "vyapari.cli.main"], env=env, timeout=120, check=True)
    assert out.read_text().split() == ["calendar"]


# Commands whose output is a report take --json; `api` serves HTTP and reports nothing.
REPORTING = sorted(set(COMMANDS) - {"api"})


@pytest.mark.parametrize("command", REPORTING)
def test_every_reporting_command_takes_json(command):
    argv = (command, "run", "--help") if command == "local" else (command, "--help")
    report = _loaded(*argv)
    assert "--json" in str(report["out"]), f"vyapari {' '.join(argv)} has no --json"


def test_login_url_as_json(monkeypatch, capsys, tmp_path):
    from vyapari.cli.main import main

    monkeypatch.setenv("KITE_API_KEY", "abc123")
    monkeypatch.setenv("VYAPARI_SECRETS_FILE", str(tmp_path / "secrets.json"))
    monkeypatch.setenv("VYAPARI_API_STATE_DIR", str(tmp_path / "api"))
    assert main(["login", "zerodha", "--url", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["broker"] == "zerodha" and "api_key=abc123&redirect_params=state%3D" in doc["login_url"]
    assert (tmp_path / "api" / "login-states.json").is_file()  # the state, stored where the API reads it
