from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from bt_helpers import flat_bars, frame, minute_times, panel_of
from bt_strategies import Scripted, target_strategy
from hypothesis import given, settings
from hypothesis import strategies as st

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.engine import run_backtest
from vyapari.backtest.event_loop import EventLoopEngine
from vyapari.core.errors import DataError, StrategyError
from vyapari.costs.spec import fee_model_from_spec
from vyapari.model.enums import ProductType
from vyapari.strategies.sma_cross import SmaCross, SmaCrossSignal
from vyapari.strategy.synthetic import random_walk_panel

NO_FEES = fee_model_from_spec("none")
ZERODHA = fee_model_from_spec("zerodha")


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 5000), product=st.sampled_from([ProductType.CNC, ProductType.MIS]))
def test_cash_positions_and_charges_conserve_value(seed, product):
    panel = random_walk_panel(3, 2, seed=seed)
    engine = EventLoopEngine(SmaCross(3, 9, 7, product), panel, BacktestConfig(fees=ZERODHA))
    result = engine.run()
    pf = engine.portfolio
    # position quantity = sum of signed fills, per symbol
    for n, symbol in enumerate(panel.symbols):
        signed = sum(f.signed_quantity for f in pf.fills if f.instrument_id.endswith(":" + symbol))
        assert pf.positions.get(f"NSE:{symbol}") is None or pf.positions[f"NSE:{symbol}"].quantity == signed
        assert result.positions[-1, n] == signed
    # cash = capital − Σ signed notional − Σ charges (exact Decimal)
    expected_cash = (
        pf.initial_cash
        - sum((f.notional * f.side.sign for f in pf.fills), Decimal(0))
        - sum((f.charges.total for f in pf.fills), Decimal(0))
    )
    assert pf.cash == expected_cash
    # equity = capital + realised + unrealised − charges
    last_close = {f"NSE:{s}": Decimal(str(panel.close[-1, n])) for n, s in enumerate(panel.symbols)}
    equity = pf.equity(last_close)
    assert equity == pf.initial_cash + pf.realised_pnl + pf.unrealised_pnl(last_close) - pf.charges_paid.total
    assert abs(float(equity) - result.equity[-1]) < 0.005
    # every fill carries its itemised charges, which sum to the trade's total
    trades = result.trades_frame()
    items = [
        c
        for c in trades.columns
        if c.endswith("_inr") and c not in ("notional_inr", "charges_inr", "realised_pnl_inr")
    ]
    assert np.allclose(trades[items].sum(axis=1), trades["charges_inr"], atol=0.006)
    assert result.summary["charges_inr"] == pytest.approx(float(pf.charges_paid.total), abs=0.01)


def test_sma_signal_has_no_look_ahead():
    panel = random_walk_panel(4, 2, seed=5)
    base = SmaCrossSignal(5, 20).compute(panel)
    cut = panel.shape[0] // 2
    rng = np.random.default_rng(0)
    noisy = {k: getattr(panel, k).copy() for k in ("open", "high", "low", "close")}
    for arr in noisy.values():
        arr[cut:] *= rng.uniform(0.5, 1.5, arr[cut:].shape)
    perturbed = SmaCrossSignal(5, 20).compute(panel.with_arrays(**noisy))
    assert np.array_equal(base[:cut], perturbed[:cut])
    assert not np.array_equal(base[cut:], perturbed[cut:])


def test_a_peeking_signal_is_caught_by_the_perturbation_check():
    def peek(p):
        nxt = np.roll(p.close, -1, axis=0)
        return (nxt > p.close).astype(float)

    panel = random_walk_panel(2, 1, seed=2)
    cut = panel.shape[0] // 2
    close = panel.close.copy()
    close[cut:] *= 1.2
    a = peek(panel)
    b = peek(panel.with_arrays(close=close))
    assert not np.array_equal(a[:cut], b[:cut])  # the check above would fail for this signal


def test_past_decisions_do_not_change_when_future_bars_change():
    panel = random_walk_panel(3, 2, seed=9)
    cut = panel.shape[0] // 2
    close = panel.close.copy()
    close[cut:] = close[cut:] * 0.7
    low = np.minimum(panel.low, close)
    r1 = run_backtest(SmaCross(5, 20), panel, BacktestConfig(fees=NO_FEES))
    r2 = run_backtest(SmaCross(5, 20), panel.with_arrays(close=close, low=low), BacktestConfig(fees=NO_FEES))
    past1 = r1.fills.t < cut
    past2 = r2.fills.t < cut
    assert r1.fills.qty[past1].tolist() == r2.fills.qty[past2].tolist()
    assert r1.fills.t[past1].tolist() == r2.fills.t[past2].tolist()


def test_sma_cross_buys_on_cross_up_and_sells_on_cross_down_at_next_open():
    closes = [10, 10, 10, 9, 9, 12, 13, 14, 8, 7, 7]
    bars = [(c, c, c, c, 1e6) for c in closes]
    panel = panel_of(AAA=frame(bars, minute_times(count=len(bars))))
    result = run_backtest(SmaCross(2, 3, 10), panel, BacktestConfig(fees=NO_FEES))
    trades = result.trades_frame()
    # fast(2) crosses above slow(3) at bar 5 (10.5 > 10 after 9 ≤ 9.33): buy at bar 6 open (13)
    # crosses below at bar 8 (11 < 11.67 after 13.5 ≥ 13): sell at bar 9 open (7)
    assert trades["side"].tolist() == ["BUY", "SELL"]
    assert trades["price"].tolist() == [13.0, 7.0]
    assert result.summary["pnl_inr"] == -60.0


def test_sma_cross_on_the_last_bar_is_not_filled():
    closes = [10, 10, 10, 9, 9, 12]
    bars = [(c, c, c, c, 1e6) for c in closes]
    panel = panel_of(AAA=frame(bars, minute_times(count=len(bars))))
    result = run_backtest(SmaCross(2, 3, 10), panel, BacktestConfig(fees=NO_FEES))
    assert result.summary["fills"] == 0 and result.summary["orders"] == 1


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.iloc[[1, 0, 2]], "unsorted bar at 2025-09-10T09:15:00+05:30"),
        (lambda f: f.iloc[[0, 1, 1]], "duplicate bar at 2025-09-10T09:16:00+05:30"),
        (
            lambda f: f.assign(close=[100.0, np.nan, 100.0]),
            "NaN price or volume at 2025-09-10T09:16:00+05:30",
        ),
        (lambda f: f.assign(ts=f["ts"] - pd.Timedelta(hours=1)), "outside every trading session"),
    ],
)
def test_bad_bars_raise_a_data_error_naming_symbol_and_time(mutate, message):
    good = frame(flat_bars(3), minute_times())
    with pytest.raises(DataError, match="AAA: .*" + message.replace("+", r"\+")):
        panel_of(AAA=mutate(good))


def test_a_strategy_that_raises_is_reported_with_the_bar():
    class Boom(Scripted):
        def on_bar(self, ctx):
            if ctx.bar_index == 2:
                raise ZeroDivisionError("division by zero")

    panel = panel_of(AAA=frame(flat_bars(4), minute_times()))
    with pytest.raises(StrategyError, match=r"scripted raised in on_bar at bar 2025-09-10T09:17:00\+05:30"):
        run_backtest(Boom({}), panel, BacktestConfig(fees=NO_FEES))


def test_signal_of_wrong_shape_is_rejected():
    panel = panel_of(AAA=frame(flat_bars(4), minute_times()))
    strategy = target_strategy(lambda p: np.zeros((2, 2)))
    with pytest.raises(ValueError, match="shape"):
        run_backtest(strategy, panel, BacktestConfig(fees=NO_FEES))
