"""One set of defaults: a paper replay and a backtest with default settings give the same P&L, and a
replay names every paper setting that differs from the backtest's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.integration.live.live_helpers import write_bar_folder

from vyapari.cli.main import main
from vyapari.strategy.synthetic import random_walk_panel

STRATEGY = ["--strategy", "sma_cross_bar", "--params", '{"fast": 5, "slow": 20, "qty": 10}']


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    panel = random_walk_panel(symbols=2, sessions=1, bars_per_session=375, seed=5)
    return write_bar_folder(panel, tmp_path_factory.mktemp("day"))


@pytest.fixture(autouse=True)
def _no_paper_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith(("PAPER_", "BROKER")):
            monkeypatch.delenv(key)


def _replay(day: Path, state: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict, str]:
    code = main(["live", "--broker", "paper", *STRATEGY, "--replay", str(day), "--state-dir", str(state),
                 "--speed", "max"])
    out, err = capsys.readouterr()
    assert code == 0, err[-2000:]
    return json.loads(out[out.index("{"):]), err


def test_default_replay_and_default_backtest_give_the_same_pnl(
        day: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replayed, err = _replay(day, tmp_path / "state", capsys)
    assert "the backtest's defaults" in err and "differ" not in err
    assert main(["backtest", *STRATEGY, "--data", str(day), "--json"]) == 0
    backtest = json.loads(capsys.readouterr().out)
    assert replayed["fills"] == backtest["fills"] > 0
    assert replayed["charges_inr"] == pytest.approx(backtest["charges_inr"], abs=0.01)
    assert replayed["pnl_inr"] == pytest.approx(backtest["pnl_inr"], abs=0.01)


def test_a_replay_names_the_settings_that_differ_from_the_backtests(
        day: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPER_SLIPPAGE_BPS", "5")
    monkeypatch.setenv("PAPER_FEES", "bps")
    _, err = _replay(day, tmp_path / "state", capsys)
    line = next(x for x in err.splitlines() if x.startswith("paper settings that differ"))
    assert "slippage bps:5 (backtest: none)" in line
    assert "fees bps:3 (backtest: zerodha)" in line
