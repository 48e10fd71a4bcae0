"""``vyapari live --replay`` refuses, as the backtest does, bars without volume for a strategy that
reads volume (one check, :func:`vyapari.strategy.volume.check_volume`), before trading anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.live.live_helpers import write_bar_folder

from vyapari.cli.main import main
from vyapari.strategy.synthetic import random_walk_panel

VWAP = ["--strategy", "vwap_reversion", "--params", '{"k": 1.5, "lookback": 10, "notional_inr": 50000}']


@pytest.fixture(autouse=True)
def _no_paper_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith(("PAPER_", "BROKER")):
            monkeypatch.delenv(key)


def _folder(tmp_path: Path, volume: float | None) -> Path:
    panel = random_walk_panel(symbols=2, sessions=1, bars_per_session=60, seed=3)
    if volume is not None:
        panel = panel.with_arrays(volume=panel.volume * 0 + volume)
    folder = tmp_path / "bars"
    folder.mkdir()
    return write_bar_folder(panel, folder)


def _replay(folder: Path, state: Path) -> list[str]:
    return ["live", "--broker", "paper", *VWAP, "--replay", str(folder), "--state-dir", str(state),
            "--speed", "max"]


def test_a_replay_refuses_volume_free_bars_for_a_volume_strategy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(_replay(_folder(tmp_path, 0.0), tmp_path / "state"))
    err = capsys.readouterr().err
    assert code != 0
    assert "vwap_reversion needs traded volume" in err and "zero volume in every bar" in err
    journal = tmp_path / "state" / "paper-journal.jsonl"
    assert not journal.exists() or journal.read_text() == ""  # refused before the first bar


def test_the_same_replay_with_volume_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_replay(_folder(tmp_path, None), tmp_path / "state")) == 0
    capsys.readouterr()
