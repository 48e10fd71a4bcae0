"""Where the limits bind, the paper exchange fills exactly as the backtest's event loop.

Each case runs a scripted strategy through the event loop and hands the paper broker the
same bars (one slice per minute, as the live engine does) and the same orders after each
slice: fills, order statuses and reasons must agree. The cases are built so that the rule
under test decides the outcome (the expected quantities are worked out in the comments):
the marks of the buying-power check, a cut that flips a position, a buying-power rejection
after a partial fill, and partial fills across bars under the volume cap. The MIS square-off
at 15:20 IST (no volume cap) is checked on the paper broker against the shared pricing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

import numpy as np
import pytest
from tests.unit.backtest.bt_helpers import frame, minute_times, panel_of

from vyapari.backtest.config import BacktestConfig, EnginePath
from vyapari.backtest.event_loop import EventLoopEngine
from vyapari.brokers.paper import PaperBrokerAdapter, PaperConfig
from vyapari.brokers.types import Candle, MinuteBars, OrderSubmission
from vyapari.core.money import to_decimal
from vyapari.core.time import IST, ist_from_ns
from vyapari.costs import NoSlippage, SlippageModel, VolumeShareSlippage, fee_model_from_spec
from vyapari.execution.pricing import fill_price_one
from vyapari.model.enums import OrderStatus, ProductType, Side
from vyapari.strategy import orders as strategy_orders
from vyapari.strategy.context import StrategyContext
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.strategy import Strategy

Script = dict[int, list[strategy_orders.OrderRequest]]
Row = tuple[float, float, float, float, float]


class Recorded(Strategy):
    """Submits scripted requests at given bar indices and keeps their ids in submission order."""

    name: ClassVar[str] = "limits"

    def __init__(self, script: Script, product: ProductType) -> None:
        super().__init__(product=product)
        self.script = script
        self.ids: list[str] = []

    def on_bar(self, ctx: StrategyContext) -> None:
        for request in self.script.get(ctx.bar_index, []):
            self.ids.append(ctx.submit(request))


@dataclass
class Case:
    """Bars per symbol, orders per bar index, and the account both sides start with."""

    bars: dict[str, list[Row]]
    script: Script
    product: ProductType
    capital: int
    leverage: float
    slippage: SlippageModel = field(default_factory=NoSlippage)
    fees: str = "none"

    def panel(self) -> BarPanel:
        count = max(len(rows) for rows in self.bars.values())
        return panel_of(**{s: frame(rows, minute_times(count=count)) for s, rows in self.bars.items()})


Outcome = tuple[list[tuple[int, int, int, float, float]], list[tuple[OrderStatus, int, str | None]]]


def _backtest(case: Case) -> Outcome:
    panel = case.panel()
    config = BacktestConfig(
        capital_inr=float(case.capital),
        fees=fee_model_from_spec(case.fees),
        slippage=case.slippage,
        leverage={case.product: case.leverage},
        path=EnginePath.EVENT,
    )
    strategy = Recorded(case.script, case.product)
    engine = EventLoopEngine(strategy, panel, config)
    result = engine.run()
    f, kind = result.fills, result.orders.kind
    fills = [  # without the square-off at the close of the session's last bar: no 15:20 bar here
        (int(t), int(n), int(q), float(p), float(c))
        for t, n, q, p, c, o in zip(f.t, f.n, f.qty, f.price, f.charges, f.order, strict=True)
        if kind[o] == 0
    ]
    orders = [engine.by_id[cid].order for cid in strategy.ids]
    return fills, [(o.status, o.filled_quantity, o.status_reason) for o in orders]


def _paper(case: Case) -> Outcome:
    """The bars slice by slice into a paper broker; after each slice, the orders decided on it."""
    panel = case.panel()
    config = PaperConfig(
        Decimal(case.capital), case.slippage, fee_model_from_spec(case.fees), Decimal(str(case.leverage))
    )
    broker = PaperBrokerAdapter(config)
    ids = tuple(f"NSE:{s}" for s in panel.symbols)
    placed: list[str] = []
    p = panel
    for t in range(p.shape[0]):
        at = ist_from_ns(int(p.ts[t]))
        bars = MinuteBars(ids, at, p.open[t], p.high[t], p.low[t], p.close[t], p.volume[t], p.valid[t])
        broker.on_slice(bars)
        for k, r in enumerate(case.script.get(t, [])):
            cid = f"t{t}k{k}"
            submission = OrderSubmission(cid, f"NSE:{r.symbol}", r.side, r.quantity, r.order_type, r.product)
            broker.submit(submission)
            placed.append(cid)
    row = {int(ns): t for t, ns in enumerate(panel.ts.tolist())}
    fills = [
        (
            row[int(tr.filled_at.timestamp()) * 1_000_000_000],
            ids.index(tr.instrument_id),
            tr.quantity * tr.side.sign,
            float(tr.price),
            float(tr.charges.total) if tr.charges is not None else math.nan,  # NaN: never equal
        )
        for tr in broker.trades()
    ]
    book = {o.client_order_id: o for o in broker.orders()}
    return fills, [(book[c].status, book[c].filled_quantity, book[c].status_message) for c in placed]


def _buy(symbol: str, qty: int, product: ProductType) -> strategy_orders.OrderRequest:
    return strategy_orders.OrderRequest(symbol, Side.BUY, qty, product=product)


def _sell(symbol: str, qty: int, product: ProductType) -> strategy_orders.OrderRequest:
    return strategy_orders.OrderRequest(symbol, Side.SELL, qty, product=product)


def _flat(price: float, count: int, volume: float = 1e6) -> list[Row]:
    return [(price, price, price, price, volume)] * count


MIS, CNC = ProductType.MIS, ProductType.CNC


def _marks_case() -> Case:
    """₹1,00,000 at 2× leverage, no fees. A: 1,500 bought at ₹100 (cash −50,000); then in one
    slice A fills 10 more at its open ₹104 (close ₹110) before B's buy of 600 at ₹100 is checked.
    With A marked at its fill price 104: gross 1,510×104 + 100q ≤ 2 × 106,000 → q = 549.
    (At the previous close 100 it would be 489; at the slice's close 110, all 600.)"""
    a = [*_flat(100, 2), (104, 110, 104, 110, 1e6), *_flat(110, 2)]
    return Case(
        {"A": a, "B": _flat(100, 5)},
        {0: [_buy("A", 1500, MIS)], 1: [_buy("A", 10, MIS), _buy("B", 600, MIS)]},
        MIS,
        100_000,
        2.0,
    )


def _flip_case() -> Case:
    """₹1,000 at 1×, no fees. Short 10 B at ₹100 (cash 2,000); B rises to ₹150, so the account is
    over its limit (gross 1,500 > equity 500). A buy of 30 is cut lot by lot: at 20 it no longer
    increases the absolute position (−10 → +10), so 20 fill, as an order of 20 would."""
    b = [*_flat(100, 2), *_flat(150, 3)]
    return Case({"B": b}, {0: [_sell("B", 10, MIS)], 2: [_buy("B", 30, MIS)]}, MIS, 1_000, 1.0)


def _reject_case() -> Case:
    """₹10,000 CNC with Zerodha charges, at most 100 shares a bar (10 % of 1,000): the buy of 150
    at ₹100 fills what cash allows in the first bar (99 with charges), then its rest is cancelled
    for buying power; the later buy of C at ₹500 is rejected outright (₹88 left)."""
    slip = VolumeShareSlippage(Decimal("0.1"), Decimal("0"))
    return Case(
        {"A": _flat(100, 4, 1_000), "C": _flat(500, 4, 1_000)},
        {0: [_buy("A", 150, CNC)], 1: [_buy("C", 5, CNC)]},
        CNC,
        10_000,
        1.0,
        slip,
        "zerodha",
    )


def _cap_case() -> Case:
    """Ample cash, at most 100 shares a bar: 350 then 120 fill oldest first across bars
    (100, 100, 100, 50 + 50, 70), priced with the volume-share impact of each partial fill; a
    sell of 200 fills 100 in the last bar and stays open."""
    slip = VolumeShareSlippage(Decimal("0.1"), Decimal("0.2"))
    a = [(100.0 + k, 101.0 + k, 99.0 + k, 100.5 + k, 1_000.0) for k in range(7)]
    return Case(
        {"A": a},
        {0: [_buy("A", 350, CNC), _buy("A", 120, CNC)], 5: [_sell("A", 200, CNC)]},
        CNC,
        1_000_000,
        1.0,
        slip,
        "zerodha",
    )


def test_buying_power_is_checked_with_fill_prices_and_previous_closes_on_both_sides() -> None:
    case = _marks_case()
    paper = _paper(case)
    assert paper == _backtest(case)
    fills, orders = paper
    # cut, not rejected: what fits fills, the rest waits (and fits once A's close of 110 counts)
    assert [f for f in fills if f[1] == 1] == [(2, 1, 549, 100.0, 0.0), (3, 1, 51, 100.0, 0.0)]
    assert orders[2] == (OrderStatus.FILLED, 600, None)


def test_a_cut_that_no_longer_increases_the_position_fills_on_both_sides() -> None:
    case = _flip_case()
    paper = _paper(case)
    assert paper == _backtest(case)
    fills, orders = paper
    assert fills == [(1, 0, -10, 100.0, 0.0), (3, 0, 20, 150.0, 0.0)]
    # the last 10 would increase the position beyond the limit: cancelled in the next bar
    assert orders[1] == (OrderStatus.CANCELLED, 20, "insufficient buying power")


def test_a_buying_power_rejection_is_the_same_order_state_and_reason_on_both_sides() -> None:
    case = _reject_case()
    paper = _paper(case)
    assert paper == _backtest(case)
    (first_fill,), (first, second) = paper
    assert first_fill[:3] == (1, 0, 99)
    assert first == (OrderStatus.CANCELLED, first_fill[2], "insufficient buying power")
    assert second == (OrderStatus.REJECTED, 0, "insufficient buying power")


def test_partial_fills_share_the_volume_cap_across_bars_on_both_sides() -> None:
    case = _cap_case()
    paper = _paper(case)
    assert paper == _backtest(case)
    fills, orders = paper
    assert [(t, q) for t, _, q, _, _ in fills] == [
        (1, 100),
        (2, 100),
        (3, 100),
        (4, 50),
        (4, 50),
        (5, 70),
        (6, -100),
    ]
    assert [o[:2] for o in orders] == [
        (OrderStatus.FILLED, 350),
        (OrderStatus.FILLED, 120),
        (OrderStatus.PARTIALLY_FILLED, 100),
    ]


# ----- the MIS square-off at 15:20 IST on the paper broker ------------------------------------

SLIP = VolumeShareSlippage(Decimal("0.025"), Decimal("0.1"))


def _at(hour: int, minute: int) -> datetime:
    return datetime(2025, 9, 10, hour, minute, tzinfo=IST)


def _candle(at: datetime, price: str, volume: int) -> Candle:
    p = to_decimal(price)
    return Candle(at, p, p, p, p, volume)


def _holding(qty: int) -> PaperBrokerAdapter:
    """A broker long ``qty`` MIS shares of NSE:A bought at 15:00 from a deep bar."""
    broker = PaperBrokerAdapter(
        PaperConfig(Decimal("10000000"), SLIP, fee_model_from_spec("zerodha"), Decimal(5))
    )
    broker.submit(OrderSubmission("open", "NSE:A", Side.BUY, qty, product=MIS))
    broker.on_bar("NSE:A", _candle(_at(15, 0), "100", 10_000_000))
    assert broker.portfolio.position("NSE:A").quantity == qty
    return broker


@pytest.mark.parametrize("feed", ["bar", "slice"])
def test_an_mis_square_off_at_1520_fills_in_full_without_the_volume_cap(feed: str) -> None:
    broker = _holding(500)
    broker.submit(OrderSubmission("sq", "NSE:A", Side.SELL, 500, product=MIS))
    at, volume = _at(15, 20), 1_000  # the cap is 25 shares
    if feed == "bar":
        broker.on_bar("NSE:A", _candle(at, "101", volume))
    else:
        one = np.ones(1)
        bars = MinuteBars(("NSE:A",), at, 101 * one, 101 * one, 101 * one, 101 * one, volume * one, one > 0)
        broker.on_slice(bars)
    (trade,) = [t for t in broker.trades() if t.client_order_id == "sq"]
    assert trade.quantity == 500
    assert trade.price == to_decimal(fill_price_one(SLIP, -1, 101.0, 500, volume))
    assert broker.portfolio.position("NSE:A").quantity == 0


def test_before_1520_or_when_it_opens_a_position_an_mis_order_keeps_the_cap() -> None:
    broker = _holding(500)
    broker.submit(OrderSubmission("early", "NSE:A", Side.SELL, 500, product=MIS))
    broker.on_bar("NSE:A", _candle(_at(15, 19), "101", 1_000))
    assert [t.quantity for t in broker.trades() if t.client_order_id == "early"] == [25]
    broker.cancel("early")
    broker.submit(OrderSubmission("flip", "NSE:A", Side.SELL, 1_000, product=MIS))  # 475 long → 525 short
    broker.on_bar("NSE:A", _candle(_at(15, 20), "101", 1_000))
    assert [t.quantity for t in broker.trades() if t.client_order_id == "flip"] == [25]


def test_a_candle_feed_marks_a_minute_only_once_it_is_over() -> None:
    """Closes of a minute fed candle by candle are the exchange's marks at once, but a later
    instrument of the same minute is still checked against the previous closes."""
    config = PaperConfig(Decimal("100000"), NoSlippage(), fee_model_from_spec("none"), Decimal(2))
    broker = PaperBrokerAdapter(config)
    broker.submit(OrderSubmission("a", "NSE:A", Side.BUY, 1500, product=MIS))
    for name in ("NSE:A", "NSE:B"):
        broker.on_bar(name, _candle(_at(10, 0), "100", 1_000_000))
    broker.submit(OrderSubmission("b", "NSE:B", Side.BUY, 600, product=MIS))
    broker.on_bar("NSE:A", Candle(_at(10, 1), Decimal(100), Decimal(110), Decimal(100), Decimal(110), 10))
    assert broker.exchange.mark("NSE:A") == Decimal(110)
    broker.on_bar("NSE:B", _candle(_at(10, 1), "100", 1_000_000))
    # A at the previous close 100: 150,000 + 100q ≤ 2 × 1,00,000 → 500 (at 110 all 600 would fit)
    assert broker.find_order("b").filled_quantity == 500  # type: ignore[union-attr]
    assert broker.trades()[-1].filled_at == _at(10, 1)
