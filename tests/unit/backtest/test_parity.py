"""The array kernel and the event loop give the same fills and equity (to the paisa)."""

from decimal import Decimal

import numpy as np
import pytest
from bt_strategies import target_strategy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from vyapari.backtest.config import BacktestConfig, EnginePath
from vyapari.backtest.engine import run_backtest
from vyapari.backtest.event_loop import EventLoopEngine
from vyapari.backtest.vector import NeedsEventLoop, run_vectorised
from vyapari.costs.slippage import FixedBpsSlippage, NoSlippage, VolumeShareSlippage
from vyapari.costs.spec import fee_model_from_spec
from vyapari.model.enums import ProductType
from vyapari.strategies.sma_cross import SmaCross, SmaCrossPerBar
from vyapari.strategy.synthetic import random_walk_panel

ZERODHA = fee_model_from_spec("zerodha")

SLIPPAGES = [
    NoSlippage(),
    FixedBpsSlippage(Decimal("5")),
    VolumeShareSlippage(volume_limit=Decimal("0.002"), price_impact=Decimal("0.1")),
]


def with_gaps(panel, rng, share):
    valid = panel.valid & (rng.random(panel.valid.shape) >= share)
    valid[0] = True
    arrays = {
        k: np.where(valid, getattr(panel, k), np.nan) for k in ("open", "high", "low", "close", "volume")
    }
    return panel.with_arrays(valid=valid, **arrays)


def assert_same(a, b):
    fa, fb = a.fills, b.fills
    assert fa.t.tolist() == fb.t.tolist()
    assert fa.n.tolist() == fb.n.tolist()
    assert fa.qty.tolist() == fb.qty.tolist()
    assert fa.price.tolist() == fb.price.tolist()
    assert np.allclose(fa.charges, fb.charges, atol=1e-6)
    assert np.abs(a.equity - b.equity).max() < 0.005
    assert a.summary["final_equity_inr"] == b.summary["final_equity_inr"]
    assert a.summary["orders"] == b.summary["orders"]
    assert (a.positions == b.positions).all()


def random_weights(seed, allow_short):
    def fn(panel):
        rng = np.random.default_rng(seed)
        choices = [-1.0, 0.0, 1.0] if allow_short else [0.0, 1.0]
        raw = rng.choice(choices, size=panel.shape)
        hold = rng.random(panel.shape) < 0.9  # keep weights for a while
        out = raw.copy()
        for t in range(1, panel.shape[0]):
            out[t] = np.where(hold[t], out[t - 1], raw[t])
        return out

    return fn


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    symbols=st.integers(1, 4),
    sessions=st.integers(1, 3),
    product=st.sampled_from(list(ProductType)),
    fill_at=st.sampled_from(["next_open", "same_close"]),
    slip=st.integers(0, len(SLIPPAGES) - 1),
    fees=st.sampled_from(["zerodha", "upstox", "none", "bps:3"]),
    gaps=st.sampled_from([0.0, 0.2]),
    qty=st.integers(1, 40),
)
def test_kernel_and_event_loop_agree_on_random_target_strategies(
    seed, symbols, sessions, product, fill_at, slip, fees, gaps, qty
):
    rng = np.random.default_rng(seed)
    panel = with_gaps(random_walk_panel(symbols, sessions, bars_per_session=375, seed=seed), rng, gaps)
    config = BacktestConfig(fees=fees, slippage=SLIPPAGES[slip], fill_at=fill_at, capital_inr=5e6)
    make = lambda: target_strategy(random_weights(seed, product is not ProductType.CNC), qty, product)  # noqa: E731
    try:
        vec = run_vectorised(make(), panel, config)
    except NeedsEventLoop:
        assume(False)
    evt = EventLoopEngine(make(), panel, config).run()
    assert_same(vec, evt)


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    fast=st.integers(2, 15),
    extra=st.integers(1, 30),
    product=st.sampled_from([ProductType.CNC, ProductType.MIS]),
)
def test_sma_cross_vectorised_equals_sma_cross_per_bar(seed, fast, extra, product):
    panel = with_gaps(random_walk_panel(3, 2, seed=seed), np.random.default_rng(seed), 0.1)
    config = BacktestConfig(fees=ZERODHA)
    vec = run_backtest(SmaCross(fast, fast + extra, 10, product), panel, config)
    bar = run_backtest(SmaCrossPerBar(fast, fast + extra, 10, product), panel, config)
    assert vec.path == "vector" and bar.path == "event"
    assert_same(vec, bar)
    assert vec.summary["fills"] > 0


def test_auto_path_falls_back_to_event_loop_when_buying_power_binds():
    panel = random_walk_panel(3, 1, seed=3)
    config = BacktestConfig(fees=ZERODHA, capital_inr=3_000)
    strategy = SmaCross(5, 20, 10)
    with pytest.raises(NeedsEventLoop):
        run_vectorised(strategy, panel, config)
    result = run_backtest(SmaCross(5, 20, 10), panel, config)
    assert result.path == "event"
    assert (result.orders_frame()["reason"] == "insufficient buying power").any()


def test_results_are_byte_identical_across_runs_and_paths(tmp_path):
    panel = random_walk_panel(3, 2, seed=11)
    config = BacktestConfig(fees=ZERODHA)
    run_backtest(SmaCross(5, 20), panel, config).write(tmp_path / "a")
    run_backtest(SmaCross(5, 20), panel, config).write(tmp_path / "b")
    event = BacktestConfig(fees=ZERODHA, path=EnginePath.EVENT)
    run_backtest(SmaCross(5, 20), panel, event).write(tmp_path / "c")
    for name in ("trades.parquet", "equity.parquet", "orders.parquet", "positions.parquet"):
        data = (tmp_path / "a" / name).read_bytes()
        assert data == (tmp_path / "b" / name).read_bytes()
        assert data == (tmp_path / "c" / name).read_bytes(), name
    assert (tmp_path / "a" / "summary.json").read_bytes() == (tmp_path / "b" / "summary.json").read_bytes()
