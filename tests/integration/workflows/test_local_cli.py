"""``vyapari local run`` (registered here directly: the lead adds it to COMMANDS in cli/main.py)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from vyapari.cli import local


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    local.register(parser.add_subparsers(dest="command"), "local", "run workflows locally")
    return parser.parse_args(argv)


def test_local_run_prints_states_and_the_output(lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = {
        "run_id": "cli-1",
        "strategy": "sma_cross",
        "params": {"fast": 3, "slow": 10},
        "symbols": ["INFY"],
        "interval": "15m",
        "start": "2026-11-16",
        "end": "2026-11-20",
    }
    args = _parse(["local", "run", "backtest", "--lake", str(lake), "--input", json.dumps(request)])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "→ Plan" in out and "backtest: SUCCEEDED" in out and '"run_id": "cli-1"' in out


def test_local_run_shows_the_error_of_a_failed_execution(
    lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _parse(["local", "run", "backtest", "--lake", str(lake), "--input", '{"strategy": "sma_cross"}'])
    assert args.func(args) == 1
    captured = capsys.readouterr()
    assert "✗" in captured.out and "InvalidInput" in captured.err
