"""Crash safety: SIGKILL the live service at random points of a replay, restart, compare.

The paper broker's state persists in a journal (``PAPER_STATE_FILE``), the engine's intents
and checkpoint in SQLite. After any number of kills: every ``client_order_id`` was placed
exactly once at the broker, our positions equal the broker's, and the final P&L equals an
uninterrupted run's.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from tests.integration.live.live_helpers import write_bar_folder

from vyapari.strategy.synthetic import random_walk_panel

STRATEGY = ["--strategy", "vwap_reversion", "--params", '{"k": 1.5, "lookback": 10, "notional_inr": 50000}']


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=375, seed=11)
    return write_bar_folder(panel, tmp_path_factory.mktemp("day"))


def _cmd(day: Path, state: Path, speed: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "vyapari.cli.main",
        "live",
        "--broker",
        "paper",
        *STRATEGY,
        "--replay",
        str(day),
        "--state-dir",
        str(state),
        "--speed",
        speed,
    ]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPER_", "BROKER"))}
    env["PAPER_FEES"], env["PAPER_SLIPPAGE_BPS"] = "zerodha", "5"
    return env


def _finish(day: Path, state: Path) -> dict:
    done = subprocess.run(
        _cmd(day, state, "max"), capture_output=True, text=True, env=_env(), timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout[done.stdout.index("{") :])


def _placed(state: Path) -> Counter:
    lines = (state / "paper-journal.jsonl").read_text().splitlines()
    return Counter(json.loads(x)["cid"] for x in lines if '"op":"place"' in x)


@pytest.fixture(scope="module")
def uninterrupted(day: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _finish(day, tmp_path_factory.mktemp("clean"))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_at_random_points_never_duplicates_or_loses_an_order(
    seed: int, day: Path, uninterrupted: dict, tmp_path: Path
) -> None:
    rng = random.Random(seed)
    kills = 0
    for _ in range(3):
        proc = subprocess.Popen(
            _cmd(day, tmp_path, "20000"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env()
        )
        time.sleep(rng.uniform(1.0, 2.2))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=30)
    summary = _finish(day, tmp_path)
    assert kills >= 1
    placed = _placed(tmp_path)
    assert placed and max(placed.values()) == 1, "an order was placed twice"
    assert sum(summary["orders"].values()) == uninterrupted["fills"] == summary["fills"]
    assert len(placed) == summary["fills"], "an order was lost or invented"
    assert summary["positions"] == uninterrupted["positions"]
    assert summary["final_equity_inr"] == pytest.approx(uninterrupted["final_equity_inr"], abs=1e-6)

    from vyapari.brokers.paper.journal import JournaledPaperBrokerAdapter

    broker = JournaledPaperBrokerAdapter(tmp_path / "paper-journal.jsonl")
    held = {p.instrument_id: p.quantity for p in broker.positions() if p.quantity}
    broker.close()
    assert held == summary["positions"]
