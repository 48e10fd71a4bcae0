"""Netted charges on real NIFTY minute bars (``../shared/data``; skipped when absent).

The charges are worked out here from the published rates (Zerodha, NSE cash, September 2025:
see ``test_charge_netting``) and the run's own trades, independently of the fee model: per
(symbol, session), the day's buys and sells are matched first in, first out; matched quantity is
intraday, the rest delivery.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.unit.backtest.bt_strategies import target_strategy

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.engine import run_backtest
from vyapari.market.calendar import get_calendar
from vyapari.model.enums import Exchange
from vyapari.strategies.sma_cross import SmaCross
from vyapari.strategy.panel import BarPanel, build_panel

YAHOO = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "nifty_1min_yahoo" / "nifty_1min.csv"
pytestmark = pytest.mark.skipif(
    not YAHOO.exists(), reason="real NIFTY minute file ../shared/data/nifty_1min_yahoo is absent"
)

STT_DELIVERY, STT_INTRADAY_SELL = 0.001, 0.00025
TXN, IPFT, SEBI = 0.0000297, 0.000001, 0.000001
STAMP_DELIVERY, STAMP_INTRADAY = 0.00015, 0.00003
GST, DP = 0.18, 15.34


def _panel() -> BarPanel:
    raw = pd.read_csv(YAHOO, skiprows=3, names=["ts", "close", "high", "low", "open", "volume"])
    raw["ts"] = pd.to_datetime(raw["ts"], utc=True).dt.tz_convert("Asia/Kolkata")
    raw["volume"] = 1_000_000.0  # an index has no volume; nothing here depends on it
    return build_panel({"NIFTY": raw}, get_calendar(Exchange.NSE).session_bounds)


def _half_up(x: float) -> float:
    return math.floor(x + 0.5 + 1e-9)


def hand_charges(trades: pd.DataFrame) -> float:
    """The contract-note total (₹) of ``trades`` (one row per fill), netted per symbol-day."""
    total = 0.0
    for _, day in trades.groupby(["symbol", "session_date"], sort=False):
        queue: list[list] = []  # unmatched [order, units, price, is_buy], all of one side
        intraday: dict[str, float] = defaultdict(float)
        delivery: dict[str, float] = defaultdict(float)
        buy_order: dict[str, bool] = {}
        for row in day.itertuples():
            is_buy, left, price, oid = (
                row.side == "BUY",
                int(row.quantity),
                float(row.price),
                row.client_order_id,
            )
            buy_order[oid] = is_buy
            while left and queue and queue[0][3] != is_buy:
                lot = queue[0]
                take = min(left, lot[1])
                intraday[lot[0]] += take * lot[2]
                delivery[lot[0]] -= take * lot[2]
                intraday[oid] += take * price
                lot[1] -= take
                left -= take
                if lot[1] == 0:
                    queue.pop(0)
            if left:
                queue.append([oid, left, price, is_buy])
                delivery[oid] += left * price
        has_intraday = any(v > 0 for v in intraday.values())
        for oid, is_buy in buy_order.items():
            iv, dv = intraday[oid], delivery[oid]
            brokerage = min(20.0, 0.0003 * (iv + dv)) if has_intraday else 0.0
            stt = _half_up(dv * STT_DELIVERY + (0.0 if is_buy else iv * STT_INTRADAY_SELL))
            stamp = iv * STAMP_INTRADAY + dv * STAMP_DELIVERY if is_buy else 0.0
            fees = (iv + dv) * (TXN + IPFT + SEBI)
            total += brokerage + stt + stamp + fees + GST * (brokerage + fees)
        if queue and not queue[0][3]:
            total += DP
    return total


def per_leg_delivery(trades: pd.DataFrame) -> float:
    """What each fill priced alone as a delivery leg costs (₹): the old, wrong booking."""
    notional = trades["quantity"] * trades["price"]
    buy = trades["side"] == "BUY"
    fees = notional * (TXN + IPFT + SEBI)
    stt = (notional * STT_DELIVERY).map(_half_up)
    return float((stt + fees * (1 + GST) + np.where(buy, notional * STAMP_DELIVERY, DP)).sum())


@pytest.mark.parametrize("path", ["vector", "event"])
def test_a_real_same_day_round_trip_is_charged_intraday(path: str) -> None:
    panel = _panel()
    day1 = panel.session == 0
    targets = np.zeros(panel.shape)
    first = int(np.flatnonzero(day1)[0])
    targets[first + 15 : first + 200] = 10  # buy 10 units at minute 16's open, sell at minute 201's
    result = run_backtest(target_strategy(lambda p: targets, qty=1), panel, BacktestConfig(path=path))
    trades = result.trades_frame()
    assert list(trades["side"]) == ["BUY", "SELL"] and trades["session_date"].nunique() == 1
    buy, sell = (float(p) for p in trades["price"])
    bt, st = 10 * buy, 10 * sell
    by_hand = (
        min(20.0, 0.0003 * bt)
        + min(20.0, 0.0003 * st)
        + _half_up(st * STT_INTRADAY_SELL)
        + bt * STAMP_INTRADAY
        + (bt + st) * (TXN + IPFT + SEBI)
        + GST * (min(20.0, 0.0003 * bt) + min(20.0, 0.0003 * st) + (bt + st) * (TXN + IPFT + SEBI))
    )
    assert float(result.fills.charges.sum()) == pytest.approx(by_hand, abs=1e-6)
    assert by_hand == pytest.approx(hand_charges(trades), abs=1e-9)


@pytest.mark.parametrize("path", ["vector", "event"])
def test_sma_cross_on_real_minutes_books_the_contract_note(path: str) -> None:
    """sma_cross on NIFTY minutes 2025-09-04..10 trades in and out many times a day: booked as
    delivery legs it cost about 3× what the exchange's netting charges."""
    panel = _panel()
    result = run_backtest(SmaCross(20, 50, 10), panel, BacktestConfig(path=path))
    assert result.path == path
    trades = result.trades_frame()
    assert trades["session_date"].nunique() == 5 and len(trades) > 20
    booked = float(result.fills.charges.sum())
    assert booked == pytest.approx(hand_charges(trades), abs=1e-4)
    assert per_leg_delivery(trades) > 2.5 * booked
