"""Golden charges of same-day delivery round trips, worked out by hand from the published rates.

Rates (Zerodha, NSE cash, September 2025; research facts A.1 and the turn-2 notes): STT 0.1 %
on both delivery sides, 0.025 % on the intraday sell only (rounded to ₹1 per order); NSE
transaction charge 0.00297 %; IPFT and SEBI fee ₹10/crore each; stamp duty 0.015 % on a delivery
buy, 0.003 % on an intraday buy; GST 18 % of brokerage + exchange charges + SEBI fee + IPFT;
brokerage ₹0 on delivery, min(₹20, 0.03 %) per executed order once a scrip-day has intraday
quantity; DP ₹13 + 18 % GST = ₹15.34 once per scrip-day that delivers shares out.

Each scenario runs on the vector kernel, the event loop and the paper broker, and the book
itself; all must book the hand-worked total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from tests.unit.backtest.bt_strategies import target_strategy

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.engine import run_backtest
from vyapari.brokers.paper import PaperBrokerAdapter, PaperConfig
from vyapari.brokers.types import Candle, OrderSubmission
from vyapari.core.money import to_decimal
from vyapari.costs import NoSlippage, VolumeShareSlippage, ZerodhaFees
from vyapari.costs.netting import ChargeBook
from vyapari.market.calendar import get_calendar
from vyapari.model.enums import Exchange, ProductType, Segment, Side
from vyapari.strategy.panel import BarPanel, build_panel

D1, D2 = date(2025, 9, 4), date(2025, 9, 5)
BARS = 10  # per session


def _times() -> pd.DatetimeIndex:
    cal = get_calendar(Exchange.NSE)
    return cal.minute_grid(D1)[:BARS].append(cal.minute_grid(D2)[:BARS])


@dataclass
class Scenario:
    """Prices (open = close) per bar and target positions from given bars, per symbol."""

    name: str
    prices: dict[str, list[float]]
    targets: dict[str, dict[int, int]]
    expected: float  # ₹, hand-worked total of the run
    expected_day1: float | None = None
    volume: int = 1_000_000
    share: float | None = None  # a volume cap (fills split over bars) when set
    notes: list[str] = field(default_factory=list)

    def panel(self) -> BarPanel:
        times = _times()
        frames = {}
        for sym, ps in self.prices.items():
            frames[sym] = pd.DataFrame(
                {
                    "ts": times,
                    "open": ps,
                    "high": ps,
                    "low": ps,
                    "close": ps,
                    "volume": [self.volume] * len(ps),
                }
            )
        return build_panel(frames, get_calendar(Exchange.NSE).session_bounds)

    def target_matrix(self, symbols: list[str]) -> np.ndarray:
        out = np.zeros((2 * BARS, len(symbols)))
        for j, sym in enumerate(symbols):
            for t, q in sorted(self.targets.get(sym, {}).items()):
                out[t:, j] = q
        return out


def _day(first: list[float], second: list[float]) -> list[float]:
    return first + second


ROUND_TRIP = 82.718606
"""Buy 100 @ ₹1,000 and sell 100 @ ₹1,010 the same day: brokerage 20 + 20 (0.03 % would be 30 and
30.30); STT 0.025 % × 1,01,000 = 25.25 → 25; exchange 0.0000297 × 2,01,000 = 5.9697; IPFT 0.201;
SEBI 0.201; stamp 0.003 % × 1,00,000 = 3; GST 18 % × 46.3717 = 8.346906; no DP."""

PARTIAL_DAY1 = 113.8598036
"""Buy 100 @ 1,000, sell 60 @ 1,010 the same day: 60 intraday, 40 delivery. Brokerage 20 (buy,
0.03 % of 1,00,000 capped) + 18.18 (sell, 0.03 % of 60,600); STT 0.1 % × 40,000 = 40 (buy) +
0.025 % × 60,600 = 15.15 → 15 (sell); exchange 0.0000297 × 1,60,600 = 4.76982; IPFT 0.1606;
SEBI 0.1606; stamp 0.003 % × 60,000 + 0.015 % × 40,000 = 1.8 + 6 = 7.8; GST 18 % × 43.27102 =
7.7887836; no DP (the day ends net bought)."""

BTST_DAY2 = 57.8661648
"""Sell the 40 carried shares @ 1,020 the next day (delivery): STT 0.1 % × 40,800 = 40.8 → 41;
exchange 1.21176; IPFT 0.0408; SEBI 0.0408; brokerage 0; GST 18 % × 1.29336 = 0.2328048; DP
15.34."""

CARRY_TCS = 35.62218
"""Buy 10 @ 3,000 and carry it: STT 30; exchange 0.891; IPFT 0.03; SEBI 0.03; stamp 0.015 % ×
30,000 = 4.5; GST 18 % × 0.951 = 0.17118."""

DELIVERY_BUY = 118.7406
"""Buy 100 @ 1,000 and carry it: STT 100; exchange 2.97; IPFT 0.1; SEBI 0.1; stamp 15; GST 18 % ×
3.17 = 0.5706."""

SELL_AND_BUY_BACK = 77.69382875
"""Next day: sell 50 of the holding @ 1,010, buy 25 back @ 1,005. 25 intraday each way, 25
delivery sold. Brokerage intraday on both orders: 0.03 % × 50,500 = 15.15 and 0.03 % × 25,125 =
7.5375; STT 0.025 % × 25,250 + 0.1 % × 25,250 = 31.5625 → 32 (sell), 0 (buy); stamp 0.003 % ×
25,125 = 0.75375; exchange 0.0000297 × 75,625 = 2.2460625; IPFT and SEBI 0.075625 each; GST 18 %
× 25.0848125 = 4.51526625; DP 15.34 (25 delivery shares left the demat)."""

FLAT_X = _day([1000.0, 1000.0] + [1010.0] * 8, [1010.0] * BARS)

SCENARIOS = [
    Scenario("same-day round trip", {"X": FLAT_X}, {"X": {0: 100, 2: 0}}, ROUND_TRIP, ROUND_TRIP),
    Scenario(
        "partial square-off then BTST",
        {"X": _day([1000.0, 1000.0] + [1010.0] * 8, [1020.0] * BARS)},
        {"X": {0: 100, 2: 40, BARS: 0}},
        PARTIAL_DAY1 + BTST_DAY2,
        PARTIAL_DAY1,
    ),
    Scenario(
        "two scrips on one day",
        {"X": FLAT_X, "Y": [3000.0] * (2 * BARS)},
        {"X": {0: 100, 2: 0}, "Y": {0: 10}},
        ROUND_TRIP + CARRY_TCS,
        ROUND_TRIP + CARRY_TCS,
    ),
    Scenario(
        "sell from holdings and buy back",
        {"X": _day([1000.0] * BARS, [1010.0, 1010.0] + [1005.0] * 8)},
        {"X": {0: 100, BARS: 50, BARS + 2: 75}},
        DELIVERY_BUY + SELL_AND_BUY_BACK,
        DELIVERY_BUY,
    ),
]


def _config(scn: Scenario, path: str, *, same_close: bool = False) -> BacktestConfig:
    slippage = (
        VolumeShareSlippage(Decimal(str(scn.share)), Decimal(0)) if scn.share is not None else NoSlippage()
    )
    return BacktestConfig(
        fees="zerodha",
        slippage=slippage,
        path=path,
        fill_at="same_close" if same_close else "next_open",
    )


def _run(scn: Scenario, path: str, *, same_close: bool = False):
    panel = scn.panel()
    symbols = list(panel.symbols)
    targets = scn.target_matrix(symbols)
    strategy = target_strategy(lambda p: targets, qty=1)
    return run_backtest(strategy, panel, _config(scn, path, same_close=same_close))


def _day1_charges(result) -> float:
    days = result.panel.session[result.fills.t]
    return float(result.fills.charges[days == days.min()].sum())


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
@pytest.mark.parametrize("path", ["vector", "event"])
def test_backtest_books_the_hand_worked_charges(scn: Scenario, path: str) -> None:
    result = _run(scn, path)
    assert result.path == path
    assert float(result.fills.charges.sum()) == pytest.approx(scn.expected, abs=1e-6)
    if scn.expected_day1 is not None:
        assert _day1_charges(result) == pytest.approx(scn.expected_day1, abs=1e-6)
    trades = result.trades_frame()  # itemised as booked, adding up to the booked charges
    items = [c for c in trades.columns if c.endswith("_inr") and c not in ("notional_inr", "charges_inr")]
    items.remove("realised_pnl_inr")
    assert trades[items].to_numpy().sum() == pytest.approx(scn.expected, abs=1e-6)


@pytest.mark.parametrize("path", ["vector", "event"])
def test_several_fills_of_one_order_pay_brokerage_once(path: str) -> None:
    """Same-close fills capped at half a bar's volume: each order of 100 fills 50 at a bar's close
    and 50 at the next bar's open, one executed order each; charged per order, the round trip is
    the same ₹82.718606 (per fill, brokerage would be 4 × min(20, 15) = 60, not 40)."""
    scn = Scenario(
        "split",
        {"X": _day([1000.0, 1000.0] + [1010.0] * 8, [1010.0] * BARS)},
        {"X": {0: 100, 2: 0}},
        ROUND_TRIP,
        volume=100,
        share=0.5,
    )
    result = _run(scn, path, same_close=True)
    assert result.path == path
    assert len(result.fills.qty) == 4 and len(set(result.fills.order.tolist())) == 2
    assert float(result.fills.charges.sum()) == pytest.approx(ROUND_TRIP, abs=1e-6)


def _candle(day: date, minute: int, price: float, volume: int) -> Candle:
    at = get_calendar(Exchange.NSE).minute_grid(day)[minute].to_pydatetime()
    p = to_decimal(price)
    return Candle(at, p, p, p, p, volume)


def _paper_run(scn: Scenario) -> tuple[float, float]:
    """Drive the paper broker bar by bar: a target change decided on bar ``t`` is a market order
    placed after bar ``t``; it fills from bar ``t + 1``'s open, as in the backtest."""
    slippage = (
        VolumeShareSlippage(Decimal(str(scn.share)), Decimal(0)) if scn.share is not None else NoSlippage()
    )
    broker = PaperBrokerAdapter(PaperConfig(Decimal(1_000_000), slippage, ZerodhaFees()))
    pos = dict.fromkeys(scn.prices, 0)
    total, day1 = Decimal(0), Decimal(0)
    for t in range(2 * BARS):
        day, minute = (D1, t) if t < BARS else (D2, t - BARS)
        for sym, ps in scn.prices.items():
            for fill in broker.on_bar(f"NSE:{sym}", _candle(day, minute, ps[t], scn.volume)):
                total += fill.charges.total
                day1 += fill.charges.total if day == D1 else 0
                pos[sym] += fill.quantity * fill.side.sign
        for sym, targets in scn.targets.items():
            if t in targets and targets[t] != pos[sym]:
                delta = targets[t] - pos[sym]
                side = Side.BUY if delta > 0 else Side.SELL
                broker.submit(
                    OrderSubmission(f"{sym}{t}", f"NSE:{sym}", side, abs(delta), product=ProductType.CNC)
                )
    return float(total), float(day1)


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_paper_books_the_hand_worked_charges(scn: Scenario) -> None:
    total, day1 = _paper_run(scn)
    assert total == pytest.approx(scn.expected, abs=1e-6)
    assert day1 == pytest.approx(scn.expected_day1, abs=1e-6)


def test_paper_order_filled_in_two_bars_pays_brokerage_once() -> None:
    scn = Scenario(
        "split",
        {"X": _day([1000.0, 1000.0, 1000.0] + [1010.0] * 7, [1010.0] * BARS)},
        {"X": {0: 100, 3: 0}},
        ROUND_TRIP,
        volume=100,
        share=0.5,
    )
    total, _ = _paper_run(scn)
    assert total == pytest.approx(ROUND_TRIP, abs=1e-6)


def test_a_sell_that_nets_a_same_day_buy_books_the_buy_side_adjustment() -> None:
    """The buy books delivery charges (it may be carried); the sell books the change to the day:
    the buy's STT and stamp refunded down to intraday, intraday brokerage on both orders."""
    book = ChargeBook(ZerodhaFees())
    args = ("X", Exchange.NSE, D1, Segment.DELIVERY)
    buy = book.book(*args, "b", Side.BUY, 100, Decimal(1000))
    assert buy.total == Decimal("118.7406")  # DELIVERY_BUY, as if carried
    sell = book.book(*args, "s", Side.SELL, 100, Decimal(1010))
    assert sell.stt == Decimal(25 - 100) and sell.stamp_duty == Decimal(3 - 15)
    assert sell.brokerage == Decimal(40) and sell.dp == 0
    assert buy.total + sell.total == Decimal("82.718606")
    per_order = book.order_charges()  # what a per-order contract note shows
    assert per_order["b"].total + per_order["s"].total == Decimal("82.718606")
    assert per_order["b"].stt == 0 and per_order["s"].stt == 25
