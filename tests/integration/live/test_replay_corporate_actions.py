"""A paper replay holding a stock across a split (or a dividend) settles it as a broker does.

Day-by-day replays (``vyapari live --broker paper --replay LAKE --date D``) of a synthetic lake
share one ``--state-dir``, so the paper journal carries yesterday's position into the ex-date.
Day 1 dips, then rises (``sma_cross_bar`` crosses up and ends it long 10 shares); day 2 falls
steadily, so the strategy, restarted flat without history, sells what it holds and stays flat.
With a 5:1 split on day 2 the account holds 50 shares at a fifth of the price: it sells 50, and
the run ends with the same equity as the control lake whose day-2 prices are not split. A ₹4
dividend on day 2 adds exactly 10 × ₹4 to the control's equity. A replay of both days at once
matches the backtest fill for fill across the split.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vyapari.brokers.paper.journal import JournaledPaperBrokerAdapter
from vyapari.cli.main import main
from vyapari.data.lake import Lake
from vyapari.market.calendar import get_calendar
from vyapari.model.enums import Exchange

D1, D2 = date(2025, 9, 4), date(2025, 9, 5)
STRATEGY = ["--strategy", "sma_cross_bar", "--params", '{"fast": 5, "slow": 20, "qty": 10}']
HEADER = (
    "SYMBOL,COMPANY NAME,SERIES,PURPOSE,FACE VALUE,EX-DATE,RECORD DATE,BOOK CLOSURE START DATE,"
    "BOOK CLOSURE END DATE\n"
)
SPLIT = (
    "ACME,Acme Limited,EQ,Face Value Split (Sub-Division) - From Rs 10/- Per Share To Rs 2/- Per Share,"
    "10,05-Sep-2025,05-Sep-2025,-,-\n"
)
DIVIDEND = "ACME,Acme Limited,EQ,Dividend - Rs 4 Per Share,10,05-Sep-2025,05-Sep-2025,-,-\n"


def _lake(root: Path, day2_divisor: float, action: str | None) -> Path:
    cal = get_calendar(Exchange.NSE)
    frames = []
    for day, prices in (
        (D1, np.concatenate([np.linspace(1000.0, 980.0, 40), np.linspace(981.0, 1100.0, 335)])),
        (D2, np.round(np.linspace(1100.0, 1000.0, 375) / 5, 2) * 5 / day2_divisor),  # on the paisa split
    ):
        p = np.round(prices, 2)
        frames.append(
            pd.DataFrame({"ts": cal.minute_grid(day)[:375], "open": p, "high": p, "low": p, "close": p,
                          "volume": 1e6})
        )
    lake = Lake.at(root)
    lake.write_minute_bars("NSE", "ACME", pd.concat(frames, ignore_index=True))
    if action is not None:
        assert lake.ingest_file((HEADER + action).encode(), "CF-CA-equities.csv").status == "ingested"
    return root


@pytest.fixture(autouse=True)
def _no_paper_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith(("PAPER_", "BROKER")):
            monkeypatch.delenv(key)


def _two_days(lake: Path, state: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    out = {}
    for day in (D1, D2):
        code = main(["live", "--broker", "paper", *STRATEGY, "--replay", str(lake), "--date", day.isoformat(),
                     "--state-dir", str(state), "--speed", "max"])
        text, err = capsys.readouterr()
        assert code == 0, err[-3000:]
        out = json.loads(text[text.index("{"):])
    return out


def _account(state: Path) -> JournaledPaperBrokerAdapter:
    return JournaledPaperBrokerAdapter(state / "paper-journal.jsonl")


def test_a_split_during_a_paper_replay_books_no_fake_loss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    control = _two_days(_lake(tmp_path / "plain", 1.0, None), tmp_path / "s0", capsys)
    split = _two_days(_lake(tmp_path / "split", 5.0, SPLIT), tmp_path / "s1", capsys)
    plain_trades = _account(tmp_path / "s0").trades()
    split_trades = _account(tmp_path / "s1").trades()
    assert [t.quantity for t in plain_trades] == [10, 10]  # bought day 1, sold day 2
    assert [t.quantity for t in split_trades] == [10, 50]  # the 10 became 50 on the ex-date
    assert split_trades[1].price * 5 == plain_trades[1].price
    assert _account(tmp_path / "s1").portfolio.cash == _account(tmp_path / "s0").portfolio.cash
    assert split["pnl_inr"] == pytest.approx(control["pnl_inr"], abs=0.01)
    assert abs(control["pnl_inr"]) < 2_000  # ~₹10 a share up and down: no ₹8,000 fake loss


def test_a_dividend_during_a_paper_replay_credits_cash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    control = _two_days(_lake(tmp_path / "plain", 1.0, None), tmp_path / "s0", capsys)
    paid = _two_days(_lake(tmp_path / "div", 1.0, DIVIDEND), tmp_path / "s1", capsys)
    credited = _account(tmp_path / "s1").portfolio.cash - _account(tmp_path / "s0").portfolio.cash
    assert credited == Decimal(40)
    assert paid["pnl_inr"] == pytest.approx(control["pnl_inr"] + 40, abs=0.01)


@pytest.mark.parametrize("name", ["sma_cross", "sma_cross_bar"])
def test_a_replay_across_a_split_matches_the_backtest_fill_for_fill(name: str) -> None:
    from tests.integration.live.live_helpers import backtest, backtest_fills, live_fills, run_live
    from tests.unit.backtest.bt_helpers import split_panel

    panel = split_panel()
    params = {"fast": 5, "slow": 20, "qty": 10}
    result = backtest(name, params, panel)
    engine = run_live(name, params, panel)
    expected = backtest_fills(result)
    assert len(expected) > 4, "the case must trade to prove anything"
    last = int(np.flatnonzero(panel.session == 0)[-1])
    assert result.positions[last : last + 2, 0].tolist() == [10, 50]  # held across the split
    assert live_fills(engine, panel) == expected
    assert (engine.account.pos == result.positions[-1]).all()
    assert float(engine.account.final_equity()) == pytest.approx(result.summary["final_equity_inr"], abs=0.01)
