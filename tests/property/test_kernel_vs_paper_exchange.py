"""The array kernel against the paper exchange, on random target strategies and bars.

The paper exchange is an adapter over the one simulated exchange
(:class:`vyapari.execution.exchange.SimulatedExchange`) the event loop drives too; the array kernel
is the backtest's fast path. Driven the way a strategy drives them (each bar:
cancel what rests, then a market order for target − position in whole lots, filled at the next
bar), both must give the same fills, prices, charges and final equity: volume caps in lots, no
delivery short (CNC and NRML sells cut to the shares held), buying power and gaps included. When
buying power binds, the kernel hands the run to the event loop, and the paper exchange must then
equal the event loop.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.event_loop import EventLoopEngine
from vyapari.backtest.vector import NeedsEventLoop, run_vectorised
from vyapari.brokers.paper import PaperConfig
from vyapari.brokers.paper.exchange import PaperExchange
from vyapari.brokers.types import MinuteBars, OrderSubmission
from vyapari.core.time import ist_from_ns
from vyapari.costs import FixedBpsSlippage, NoSlippage, VolumeShareSlippage, fee_model_from_spec
from vyapari.model.enums import OrderType, ProductType, Side
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.signals import VectorSignal
from vyapari.strategy.sizing import FixedQuantity
from vyapari.strategy.strategy import Strategy
from vyapari.strategy.synthetic import random_walk_panel

SLIPPAGES = [
    NoSlippage(),
    FixedBpsSlippage(Decimal("5")),
    VolumeShareSlippage(volume_limit=Decimal("0.002"), price_impact=Decimal("0.1")),
]


class _Weights(VectorSignal):
    def __init__(self, seed: int) -> None:
        self.seed = seed

    def compute(self, panel: BarPanel) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        raw = rng.choice([-1.0, 0.0, 1.0, 2.0], size=panel.shape)
        hold = rng.random(panel.shape) < 0.9
        out = raw.copy()
        for t in range(1, panel.shape[0]):
            out[t] = np.where(hold[t], out[t - 1], raw[t])
        return out


def _panel(seed: int, symbols: int, lots: int, gaps: float) -> BarPanel:
    rng = np.random.default_rng(seed)
    panel = random_walk_panel(symbols, 2, bars_per_session=60, seed=seed)
    valid = panel.valid & (rng.random(panel.valid.shape) >= gaps)
    valid[0] = True
    fields = ("open", "high", "low", "close", "volume")
    arrays = {k: np.where(valid, getattr(panel, k), np.nan) for k in fields}
    return panel.with_arrays(valid=valid, lot_sizes=np.full(symbols, lots, dtype=np.int64), **arrays)


def _paper_run(
    panel: BarPanel, targets: np.ndarray, product: ProductType, config: PaperConfig
) -> tuple[list[tuple[int, int, int, float]], list[float], float]:
    """Drive a paper exchange over ``panel`` toward ``targets``; its fills, charges, final equity."""
    exchange = PaperExchange(config)
    ids = tuple(f"NSE:{s}" for s in panel.symbols)
    row = {ist_from_ns(int(ns)): t for t, ns in enumerate(panel.ts.tolist())}
    resting: dict[int, str] = {}
    for t in range(panel.shape[0]):
        at = ist_from_ns(int(panel.ts[t]))
        exchange.on_slice(
            MinuteBars(ids, at, panel.open[t], panel.high[t], panel.low[t], panel.close[t],
                       np.nan_to_num(panel.volume[t]), panel.valid[t])
        )
        for n in np.flatnonzero(panel.valid[t]).tolist():
            old = resting.pop(n, None)
            if old is not None and not exchange.orders[old].order.status.is_terminal:
                exchange.cancel(old)
            lot = int(panel.lot_sizes[n])
            delta = int(targets[t, n]) - exchange.portfolio.position(ids[n]).quantity
            qty = (abs(delta) // lot) * lot
            if qty:
                side = Side.BUY if delta > 0 else Side.SELL
                cid = f"o{t}-{n}"
                request = OrderSubmission(cid, ids[n], side, qty, OrderType.MARKET, product, lot_size=lot)
                resting[n] = exchange.place(request)
    fills = [
        (row[tr.filled_at], ids.index(tr.instrument_id), tr.quantity * tr.side.sign, float(tr.price))
        for tr in exchange.trades
    ]
    charges = [float(tr.charges.total) if tr.charges is not None else 0.0 for tr in exchange.trades]
    last = {i: exchange.mark(i) or Decimal(0) for i in ids}
    equity = exchange.portfolio.equity(last)
    return fills, charges, float(equity)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    symbols=st.integers(1, 3),
    product=st.sampled_from([ProductType.CNC, ProductType.NRML]),
    slip=st.integers(0, len(SLIPPAGES) - 1),
    fees=st.sampled_from(["zerodha", "none"]),
    gaps=st.sampled_from([0.0, 0.2]),
    qty=st.integers(1, 60),
    lots=st.sampled_from([1, 5]),
    capital=st.sampled_from([20_000.0, 5_000_000.0]),
)
def test_the_kernel_fills_as_the_paper_exchange(
    seed: int, symbols: int, product: ProductType, slip: int, fees: str, gaps: float, qty: int, lots: int,
    capital: float,
) -> None:
    panel = _panel(seed, symbols, lots, gaps)
    leverage = {p: 1.0 for p in ProductType}
    config = BacktestConfig(fees=fees, slippage=SLIPPAGES[slip], capital_inr=capital, leverage=leverage)

    def strategy() -> Strategy:
        return Strategy(_Weights(seed), FixedQuantity(qty), product=product)

    try:
        engine = run_vectorised(strategy(), panel, config)
    except NeedsEventLoop:
        engine = EventLoopEngine(strategy(), panel, config).run()
    targets = strategy().target_quantities(panel, capital)
    paper = PaperConfig(Decimal(str(int(capital))), SLIPPAGES[slip], fee_model_from_spec(fees), Decimal(1))
    fills, charges, equity = _paper_run(panel, targets, product, paper)
    f = engine.fills
    expected = list(zip(f.t.tolist(), f.n.tolist(), f.qty.tolist(), f.price.tolist(), strict=True))
    assert fills == expected
    np.testing.assert_allclose(charges, f.charges, atol=1e-6)
    assert abs(equity - engine.summary["final_equity_inr"]) < 0.01  # the summary is on the paisa
