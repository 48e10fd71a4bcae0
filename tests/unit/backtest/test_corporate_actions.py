"""Splits and dividends on raw prices, settled as a broker settles them, on both engine paths.

Hand-checked: 10 shares bought at ₹1,000 (delivery: STT 10, exchange 0.297, IPFT 0.01, SEBI 0.01,
stamp 1.5, GST 18 % × 0.317 = 0.05706; ₹11.87406). A 5:1 split before the next session turns
them into 50 at an average of ₹200: the price falling to ₹200 is no loss. Sold at ₹210: realised
50 × 10 = ₹500; the delivery sell of ₹10,500 costs STT 10.5 → 11, exchange 0.31185, IPFT and SEBI
0.0105 each, GST 18 % × 0.33285 = 0.059913, DP 15.34: ₹26.732763.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from tests.unit.backtest.bt_strategies import Scripted, target_strategy

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.engine import run_backtest
from vyapari.data.corporate_actions import ActionKind, CorporateAction
from vyapari.market.calendar import get_calendar
from vyapari.model.enums import Exchange, Side
from vyapari.strategy.actions import signal_panel, with_corporate_actions
from vyapari.strategy.orders import OrderRequest
from vyapari.strategy.panel import BarPanel, build_panel

D1, D2 = date(2025, 9, 4), date(2025, 9, 5)
BARS = 6
CAPITAL = 1_000_000.0
BUY_CHARGES, SELL_CHARGES = 11.87406, 26.732763


def _panel(day1: float, day2: list[float]) -> BarPanel:
    cal = get_calendar(Exchange.NSE)
    times = cal.minute_grid(D1)[:BARS].append(cal.minute_grid(D2)[:BARS])
    ps = [day1] * BARS + day2
    frame = pd.DataFrame({"ts": times, "open": ps, "high": ps, "low": ps, "close": ps, "volume": 1e6})
    return build_panel({"X": frame}, cal.session_bounds)


SPLIT = {"X": [CorporateAction("X", D2, ActionKind.SPLIT, ratio=Fraction(5))]}


def _split_panel() -> BarPanel:
    return with_corporate_actions(_panel(1000.0, [200.0, 200.0, 210.0, 210.0, 210.0, 210.0]), SPLIT)


def _run(panel: BarPanel, path: str, sell_at: int | None):
    if path == "vector":
        targets = np.zeros(panel.shape)
        targets[0 : sell_at if sell_at is not None else None] = 10  # in first-session shares
        strategy = target_strategy(lambda p: targets, qty=1)
    else:
        script = {0: [OrderRequest("X", Side.BUY, 10)]}
        if sell_at is not None:
            script[sell_at] = [OrderRequest("X", Side.SELL, 50)]  # the shares held after the split
        strategy = Scripted(script)
    return run_backtest(strategy, panel, BacktestConfig(path=path, capital_inr=CAPITAL))


@pytest.mark.parametrize("path", ["vector", "event"])
def test_a_split_is_no_loss_and_the_sale_realises_the_true_gain(path: str) -> None:
    panel = _split_panel()
    result = _run(panel, path, sell_at=BARS + 1)
    assert result.path == path
    trades = result.trades_frame()
    assert list(trades["side"]) == ["BUY", "SELL"]
    assert list(trades["quantity"]) == [10, 50] and list(trades["price"]) == [1000.0, 210.0]
    assert trades["realised_pnl_inr"].iloc[1] == pytest.approx(500.0)
    # equity never drops at the split: flat day 1 (after the buy), flat at ₹200 on day 2
    assert result.equity[BARS] == pytest.approx(CAPITAL - BUY_CHARGES)
    assert result.equity.min() >= CAPITAL - BUY_CHARGES - 1e-6
    assert result.positions[BARS, 0] == 50
    assert result.equity[-1] == pytest.approx(CAPITAL + 500 - BUY_CHARGES - SELL_CHARGES, abs=1e-6)


@pytest.mark.parametrize("path", ["vector", "event"])
def test_without_the_action_the_raw_prices_book_the_fake_loss(path: str) -> None:
    """The control: the same raw prices with no action attached lose 10 × 800 on paper."""
    panel = _panel(1000.0, [200.0] * BARS)
    result = _run(panel, path, sell_at=None)
    assert result.equity[-1] == pytest.approx(CAPITAL - BUY_CHARGES - 8000.0)


@pytest.mark.parametrize("path", ["vector", "event"])
def test_a_cash_dividend_is_credited_on_the_ex_date(path: str) -> None:
    actions = {"X": [CorporateAction("X", D2, ActionKind.DIVIDEND, amount_inr=Decimal("20"))]}
    panel = with_corporate_actions(_panel(1000.0, [1000.0] * BARS), actions)
    result = _run(panel, path, sell_at=None)
    assert result.equity[BARS - 1] == pytest.approx(CAPITAL - BUY_CHARGES)
    assert result.equity[BARS] == pytest.approx(CAPITAL - BUY_CHARGES + 200.0)


def test_signals_read_the_split_as_no_move() -> None:
    """Strategies read prices in the run's first-session shares: ₹200 after a 5:1 split reads
    ₹1,000, so a crossover or a stop does not fire on the split."""
    seen = signal_panel(_split_panel())
    assert seen.close[:, 0].tolist() == [1000.0] * BARS + [1000.0, 1000.0] + [1050.0] * 4
    assert _split_panel().close[BARS, 0] == 200.0  # fills stay at the traded price
