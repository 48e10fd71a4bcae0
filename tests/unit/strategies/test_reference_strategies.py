"""Reference strategies on small hand-made data: an entry where one must happen, none where none may."""

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest

from vyapari.backtest.config import BacktestConfig, EnginePath
from vyapari.backtest.engine import run_backtest
from vyapari.core.errors import InvalidInput
from vyapari.costs.spec import fee_model_from_spec
from vyapari.market.calendar import get_calendar
from vyapari.model.enums import Exchange
from vyapari.strategies import make_strategy
from vyapari.strategies.pairs import Pairs
from vyapari.strategy.panel import build_panel

NO_FEES = fee_model_from_spec("none")
ZERODHA = fee_model_from_spec("zerodha")

CAL = get_calendar(Exchange.NSE)
DAY = date(2025, 9, 10)


def session_frame(closes, volumes=None, day=DAY, spread=0.05):
    grid = CAL.minute_grid(day)[: len(closes)]
    c = np.asarray(closes, dtype=float)
    o = np.r_[c[0], c[:-1]]
    return pd.DataFrame(
        {
            "ts": grid,
            "open": o,
            "high": np.maximum(o, c) + spread,
            "low": np.minimum(o, c) - spread,
            "close": c,
            "volume": np.full(len(c), 1000.0) if volumes is None else np.asarray(volumes, float),
        }
    )


def run(name, params, **frames):
    panel = build_panel(frames, CAL.session_bounds)
    return run_backtest(make_strategy(name, params), panel, BacktestConfig(fees=NO_FEES))


def wiggle(n, base=100.0, amp=0.1):
    return base + amp * np.sin(np.arange(n))


# ----- VWAP mean reversion -------------------------------------------------------------
def test_vwap_reversion_buys_a_sharp_high_volume_drop_and_exits_at_vwap():
    closes = [*list(wiggle(30)), 97.0, 97.5, 98.5, 99.5, 100.5, 100.6, *list(wiggle(10))]
    volumes = [1000] * 30 + [5000] + [1000] * 15
    result = run(
        "vwap_reversion",
        {"k": 2.0, "lookback": 20, "notional_inr": 10_000},
        AAA=session_frame(closes, volumes),
    )
    trades = result.trades_frame()
    assert trades["side"].tolist()[:2] == ["BUY", "SELL"]
    entry_bar = CAL.minute_grid(DAY)[31]
    assert trades["ts"].iloc[0] == entry_bar  # signal on the drop bar, filled at the next open
    assert trades["price"].iloc[0] == 97.0
    assert trades["price"].iloc[1] > trades["price"].iloc[0]


def test_vwap_reversion_ignores_a_drop_without_volume():
    closes = [*list(wiggle(30)), 97.0, 97.5, 98.5, 99.5, 100.5, *list(wiggle(10))]
    volumes = [1000] * 30 + [100] + [1000] * 14
    result = run(
        "vwap_reversion", {"k": 2.0, "lookback": 20, "volume_mult": 1.5}, AAA=session_frame(closes, volumes)
    )
    assert result.summary["fills"] == 0


def test_vwap_reversion_makes_no_entry_on_a_quiet_session():
    result = run("vwap_reversion", {}, AAA=session_frame(wiggle(375)))
    assert result.summary["fills"] == 0


def test_vwap_reversion_positions_are_flat_after_the_square_off():
    closes = [*wiggle(360), 97.0, *np.full(14, 97.0)]  # drop at 15:15, never recovers
    volumes = [1000] * 360 + [9000] + [1000] * 14
    result = run(
        "vwap_reversion", {"entry_cutoff": "15:20", "stop_pct": 50}, AAA=session_frame(closes, volumes)
    )
    trades = result.trades_frame()
    assert trades["side"].tolist() == ["BUY", "SELL"]
    assert trades["ts"].iloc[1].strftime("%H:%M") == "15:20"
    assert result.positions[-1].tolist() == [0]


# ----- opening-range momentum ----------------------------------------------------------
def test_orb_enters_on_a_breakout_above_the_opening_range_and_not_before():
    opening = list(wiggle(15, 100.0, 0.5))  # 09:15-09:29 range ~99.5-100.5
    quiet = list(wiggle(10, 100.0, 0.2))
    breakout = [101.5, 102.0, 102.5] + [102.5] * 20
    result = run(
        "orb_momentum",
        {"range_minutes": 15, "atr_len": 5, "atr_filter": 0.25},
        AAA=session_frame(opening + quiet + breakout),
    )
    trades = result.trades_frame()
    assert trades["side"].iloc[0] == "BUY"
    first_breakout_bar = 25
    assert trades["ts"].iloc[0] == CAL.minute_grid(DAY)[first_breakout_bar + 1]


def test_orb_makes_no_entry_inside_the_range():
    result = run("orb_momentum", {"range_minutes": 15}, AAA=session_frame(wiggle(200, 100.0, 0.5)))
    assert result.summary["fills"] == 0


def test_orb_rejects_a_range_other_than_15_or_30_minutes():
    with pytest.raises(InvalidInput, match="range_minutes"):
        make_strategy("orb_momentum", {"range_minutes": 20})


# ----- pairs ---------------------------------------------------------------------------
def pair_frames(shock_at=None, n_sessions=4, seed=1):
    rng = np.random.default_rng(seed)
    days = [s.session_date for s in CAL.sessions(date(2025, 9, 1), date(2025, 9, 30))][:n_sessions]
    grid = (
        pd.DatetimeIndex(np.concatenate([CAL.minute_grid(d).as_unit("ns").asi8 for d in days]))
        .tz_localize("UTC")
        .tz_convert("Asia/Kolkata")
    )
    n = len(grid)
    common = np.cumsum(rng.normal(0, 0.001, n))
    noise = rng.normal(0, 0.0005, n)
    a = 100 * np.exp(common + noise)
    b = 50 * np.exp(common)
    c = 80 * np.exp(np.cumsum(rng.normal(0, 0.001, n)))  # an independent walk
    if shock_at is not None:
        a[shock_at : shock_at + 30] *= 1.01  # the spread widens for 30 minutes, then closes

    def f(x):
        x = np.round(x, 2)
        return pd.DataFrame({"ts": grid, "open": x, "high": x, "low": x, "close": x, "volume": 1e6})

    return {"AAA": f(a), "BBB": f(b), "CCC": f(c)}


def _pairs(params: dict[str, Any]) -> Pairs:
    strategy = make_strategy("pairs", params)
    assert isinstance(strategy, Pairs)
    return strategy


def test_pairs_selects_the_cointegrated_pair_and_trades_both_legs_together():
    frames = pair_frames(shock_at=375 * 3 + 100)
    panel = build_panel(frames, CAL.session_bounds)
    strategy = _pairs(
        {"formation_sessions": 2, "hedge_window": 200, "z_window": 60, "entry_z": 4.0, "exit_z": 0.5}
    )
    result = run_backtest(strategy, panel, BacktestConfig(fees=NO_FEES))
    assert next((a, b) for a, b, _ in strategy.selected) == ("AAA", "BBB")
    trades = result.trades_frame()
    assert trades["ts"].min() >= panel.timestamps()[375 * 2]  # nothing during formation
    shock = panel.timestamps()[375 * 3 + 100]
    after = trades[trades["ts"] >= shock]
    at_shock = after[after["ts"] == after["ts"].iloc[0]]
    assert (at_shock["ts"].iloc[0] - shock) <= pd.Timedelta(minutes=3)  # z passes 4 within a bar or two
    sides = dict(zip(at_shock["symbol"], at_shock["side"], strict=True))
    assert sides == {"AAA": "SELL", "BBB": "BUY"}  # A rich against B: short the spread, both legs at once
    qty = dict(zip(at_shock["symbol"], at_shock["quantity"], strict=True))
    value_a, value_b = (
        qty["AAA"] * frames["AAA"]["close"].iloc[375 * 3 + 100],
        qty["BBB"] * frames["BBB"]["close"].iloc[375 * 3 + 100],
    )
    assert 0.5 < value_b / value_a < 1.5  # legs sized together (β ≈ 1 in log prices)
    assert result.positions[-1].tolist() == [0, 0, 0]


def test_pairs_makes_no_trade_when_nothing_is_cointegrated():
    frames = pair_frames()
    panel = build_panel({"AAA": frames["AAA"], "CCC": frames["CCC"]}, CAL.session_bounds)
    strategy = _pairs({"formation_sessions": 2, "p_value": 0.01})
    result = run_backtest(strategy, panel, BacktestConfig(fees=NO_FEES))
    assert strategy.selected == [] and result.summary["fills"] == 0


def test_pairs_rejects_unknown_symbols():
    panel = build_panel(pair_frames(), CAL.session_bounds)
    with pytest.raises(InvalidInput, match="ZZZ"):
        run_backtest(make_strategy("pairs", {"pairs": [["AAA", "ZZZ"]]}), panel, BacktestConfig(fees=NO_FEES))


@pytest.mark.parametrize("name", ["vwap_reversion", "orb_momentum"])
def test_reference_strategies_give_the_same_result_on_both_engine_paths(name):
    from vyapari.strategy.synthetic import random_walk_panel

    panel = random_walk_panel(4, 3, seed=12)
    vec = run_backtest(make_strategy(name, {}), panel, BacktestConfig(fees=ZERODHA))
    evt = run_backtest(make_strategy(name, {}), panel, BacktestConfig(fees=ZERODHA, path=EnginePath.EVENT))
    assert vec.path == "vector" and evt.path == "event"
    assert vec.fills.qty.tolist() == evt.fills.qty.tolist()
    assert vec.summary["final_equity_inr"] == evt.summary["final_equity_inr"]
