"""Replay parity where the limits bind: live engine on paper == event-loop backtest.

The panel's volumes are cut to 5 % so the volume-share cap (2.5 % of a bar) allows a few to a
few dozen shares a bar against orders of 400: orders fill across many bars. The capital is
₹1,00,000 (2× for MIS, 1× for CNC), so buying power cuts and rejects orders. Both sides must
give the same fills (slice, symbol, quantity, price, charges), the same orders with the same
filled quantities and buying-power rejections, the same positions and P&L; for MIS, the
square-off at the first bar from 15:20 IST closes every position in that bar on both sides,
however far beyond the bar's cap.

One difference is by design and pinned here: a symbol without a bar at/after 15:20 in a
session (see :mod:`vyapari.backtest.rules`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
import pytest
from tests.integration.live.live_helpers import backtest_fills, live_fills, make_engine
from tests.unit.backtest.bt_strategies import Scripted

from vyapari.backtest.config import BacktestConfig, EnginePath
from vyapari.backtest.engine import run_backtest
from vyapari.backtest.rules import squareoff_plan
from vyapari.brokers.paper import PaperBrokerAdapter, PaperConfig
from vyapari.costs import VolumeShareSlippage, fee_model_from_spec
from vyapari.execution.pricing import volume_caps
from vyapari.live.engine import LiveEngine
from vyapari.live.replay import replay
from vyapari.model.enums import ProductType, Side
from vyapari.model.intents import IntentKind
from vyapari.strategies import make_strategy
from vyapari.strategy.orders import OrderRequest
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.strategy import Strategy
from vyapari.strategy.synthetic import random_walk_panel

CAPITAL = 100_000.0
LEVERAGE = {ProductType.MIS: 2.0, ProductType.CNC: 1.0}
SLIPPAGE = VolumeShareSlippage(Decimal("0.025"), Decimal("0.1"))
BUYING_POWER = "insufficient buying power"

CASES = [
    ("sma_cross_bar", "MIS"),
    ("sma_cross", "MIS"),
    ("sma_cross_bar", "CNC"),
    ("sma_cross", "CNC"),
]

OrderRow = tuple[int, int, int, int]  # slice, column, signed quantity, filled quantity
Refusal = tuple[int, int, int, int, str]  # ... and the order's final state


def thin_panel() -> BarPanel:
    """Two sessions of three symbols with 5 % of the synthetic volume (whole shares)."""
    panel = random_walk_panel(symbols=3, sessions=2, bars_per_session=375, seed=11)
    return replace(panel, volume=np.floor(panel.volume * 0.05))


def run_both(strategy: Callable[[], Strategy], panel: BarPanel) -> tuple[Any, LiveEngine]:
    """The event-loop backtest and the live engine replaying ``panel`` on paper, same account;
    ``strategy()`` makes a fresh instance for each side."""
    product = strategy().product
    leverage = LEVERAGE[product]
    config = BacktestConfig(
        capital_inr=CAPITAL,
        fees=fee_model_from_spec("zerodha"),
        slippage=SLIPPAGE,
        leverage={product: leverage},
        path=EnginePath.EVENT,
    )
    result = run_backtest(strategy(), panel, config)
    paper = PaperConfig(
        Decimal(int(CAPITAL)), SLIPPAGE, fee_model_from_spec("zerodha"), Decimal(str(leverage))
    )
    broker = PaperBrokerAdapter(paper)
    engine = make_engine("", {}, panel, broker=broker, capital=CAPITAL, strategy=strategy())
    replay(engine, panel)
    return result, engine


def sma(name: str, product: str) -> Callable[[], Strategy]:
    """``name`` (``sma_cross_bar`` per bar, ``sma_cross`` vectorised) trading 400 shares."""
    return lambda: make_strategy(name, {"fast": 5, "slow": 20, "qty": 400, "product": product})


def assert_same(result: Any, engine: LiveEngine, panel: BarPanel) -> None:
    """Fills, orders, positions and P&L agree."""
    assert live_fills(engine, panel) == backtest_fills(result)
    assert live_orders(engine) == backtest_orders(result)
    assert (engine.account.pos == result.positions[-1]).all()
    assert float(engine.account.final_equity()) == pytest.approx(result.summary["final_equity_inr"], abs=0.01)


def backtest_orders(result: Any) -> tuple[list[OrderRow], list[OrderRow], list[Refusal]]:
    """(strategy orders, square-off orders, orders refused for buying power) of the backtest;
    a refused order is REJECTED when nothing of it filled, else its rest is CANCELLED."""
    o, f = result.orders, result.fills
    filled = np.zeros(len(o.qty), dtype=np.int64)
    np.add.at(filled, f.order, np.abs(f.qty))
    rows = [(int(t), int(n), int(q), int(x)) for t, n, q, x in zip(o.t, o.n, o.qty, filled, strict=True)]
    strategy = sorted(r for r, k in zip(rows, o.kind, strict=True) if k == 0)
    squareoff = sorted(r for r, k in zip(rows, o.kind, strict=True) if k == 1)
    refused = sorted(
        (*r, "CANCELLED" if r[3] else "REJECTED")
        for r, why in zip(rows, o.reason, strict=True)
        if why == BUYING_POWER
    )
    return strategy, squareoff, refused


def live_orders(engine: LiveEngine) -> tuple[list[OrderRow], list[OrderRow], list[Refusal]]:
    """The same of the live engine's intents; a square-off decided at the end of slice ``t``
    (the clock reached 15:20) is the backtest's square-off at the open of slice ``t + 1``."""
    strategy: list[OrderRow] = []
    squareoff: list[OrderRow] = []
    refused: list[Refusal] = []
    for i in engine.orders.intents.values():
        t = (i.opened_step - 1) // 2
        row = (t, engine.columns[i.instrument_id], i.side.sign * i.quantity, i.filled_quantity)
        if i.kind is IntentKind.SQUAREOFF:
            squareoff.append((t + 1, *row[1:]))
        else:
            strategy.append(row)
        if i.reason == BUYING_POWER:
            refused.append((*row, i.state.value))
    return sorted(strategy), sorted(squareoff), sorted(refused)


@pytest.mark.parametrize(("name", "product"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_live_matches_the_backtest_when_the_volume_cap_and_buying_power_bind(name: str, product: str) -> None:
    panel = thin_panel()
    result, engine = run_both(sma(name, product), panel)
    assert_same(result, engine, panel)
    # the case proves something: the cap cuts fills, buying power cuts and refuses orders
    _, _, refused = backtest_orders(result)
    caps = volume_caps(SLIPPAGE, panel.volume)
    fills = [r for r in _fill_rows(result) if result.orders.kind[r.order] == 0]
    assert all(abs(r.qty) <= caps[r.t, r.n] for r in fills)
    assert sum(abs(r.qty) == caps[r.t, r.n] for r in fills) >= 20
    assert len(refused) >= 20


def test_orders_resting_across_bars_fill_alike_under_the_cap_and_buying_power() -> None:
    """Scripted MIS orders that are never cancelled: a buy and (next day) a sell of 300 fill a
    few dozen shares a bar over a dozen bars; the buy of SYM001 finds buying power (₹2,00,000
    gross) almost used up, fills 2 and has its rest cancelled; a short is covered and flipped
    over three bars; the 15:20 square-off closes the 300 in one fill."""
    script = {
        10: [_order("SYM000", Side.BUY, 300), _order("SYM002", Side.SELL, 30)],
        30: [_order("SYM001", Side.BUY, 60)],
        150: [_order("SYM002", Side.BUY, 60)],
        400: [_order("SYM000", Side.SELL, 300)],
    }
    panel = thin_panel()
    result, engine = run_both(lambda: Scripted(script, ProductType.MIS), panel)
    assert_same(result, engine, panel)
    strategy, squareoff, refused = backtest_orders(result)
    per_order = Counter(r.order for r in _fill_rows(result) if result.orders.kind[r.order] == 0)
    assert sum(count >= 10 for count in per_order.values()) == 2
    assert [filled for *_, filled in strategy] == [300, 30, 2, 60, 300]
    assert refused == [(30, 1, 60, 2, "CANCELLED")]
    assert (365, 0, -300, 300) in squareoff


@pytest.mark.parametrize("name", ["sma_cross_bar", "sma_cross"])
def test_the_1520_square_off_closes_everything_in_the_same_bar_beyond_the_cap(name: str) -> None:
    panel = thin_panel()
    result, engine = run_both(sma(name, "MIS"), panel)
    plan = squareoff_plan(panel)
    caps = volume_caps(SLIPPAGE, panel.volume)
    live_by_slice: dict[int, list[tuple[int, int]]] = {}
    for t, n, q, _, _ in live_fills(engine, panel):
        live_by_slice.setdefault(t, []).append((n, q))
    beyond_cap = 0
    for t in np.flatnonzero(plan.at_open.any(axis=1)).tolist():  # the 15:20 bar of each session
        held = result.positions[t - 1]
        assert held.any(), "the case must hold positions into the square-off"
        assert not result.positions[t].any()
        assert sorted(live_by_slice.get(t, [])) == sorted((n, -int(q)) for n, q in enumerate(held) if q)
        beyond_cap += sum(abs(int(q)) > caps[t, n] for n, q in enumerate(held))
    assert beyond_cap > 0
    _, squareoff, _ = live_orders(engine)
    assert all(filled == abs(qty) for _, _, qty, filled in squareoff)


def test_a_symbol_without_a_bar_from_1520_is_squared_off_at_its_last_close_only_by_the_backtest() -> None:
    """Pinned difference: SYM002 has no bar after 15:09 on the first day. The backtest knows
    15:09 is its last bar and squares it off at that bar's close; live, the square-off is placed
    when the clock reaches 15:20 and the paper broker fills it at the symbol's next bar, the
    first of the next session, as an ordinary order (before 15:20: under the volume cap)."""
    t_last, t_next = 354, 375  # 15:09 of the first session; 09:15 of the second
    panel = thin_panel()
    valid = panel.valid.copy()
    valid[t_last + 1 : t_next, 2] = False
    panel = replace(
        panel,
        valid=valid,
        open=np.where(valid, panel.open, np.nan),
        high=np.where(valid, panel.high, np.nan),
        low=np.where(valid, panel.low, np.nan),
        close=np.where(valid, panel.close, np.nan),
        volume=np.where(valid, panel.volume, np.nan),
    )
    result, engine = run_both(sma("sma_cross_bar", "MIS"), panel)
    assert result.positions[t_last - 1, 2] != 0 and result.positions[t_last, 2] == 0
    _, squareoff, _ = backtest_orders(result)
    (row,) = [r for r in squareoff if r[0] == t_last]
    assert row[1] == 2 and row[3] == abs(row[2]) > 0  # SYM002 in full at 15:09's close
    live = np.zeros(3, dtype=np.int64)
    first_after = None
    for t, n, q, _, _ in live_fills(engine, panel):
        if t < t_next:
            live[n] += q
        elif n == 2 and first_after is None:
            first_after = (t, q)
    assert live[2] != 0  # still held when the first session ends
    assert first_after is not None and first_after[0] == t_next
    assert 0 < abs(first_after[1]) <= volume_caps(SLIPPAGE, panel.volume)[t_next, 2]


def _order(symbol: str, side: Side, qty: int) -> OrderRequest:
    return OrderRequest(symbol, side, qty, product=ProductType.MIS)


class FillRow(NamedTuple):
    """One backtest fill: slice, column, signed quantity and the index of its order."""

    t: int
    n: int
    qty: int
    order: int


def _fill_rows(result: Any) -> list[FillRow]:
    f = result.fills
    return [
        FillRow(int(t), int(n), int(q), int(o)) for t, n, q, o in zip(f.t, f.n, f.qty, f.order, strict=True)
    ]
