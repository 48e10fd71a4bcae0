from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.engine import run_backtest
from vyapari.costs.spec import fee_model_from_spec
from vyapari.evaluation.checks import cost_sensitivity_of, sessions_panel, walk_forward_of
from vyapari.strategies import make_strategy
from vyapari.strategy.synthetic import random_walk_panel

NO_FEES = fee_model_from_spec("none")
ZERODHA = fee_model_from_spec("zerodha")

PANEL = random_walk_panel(2, 12, seed=21)


def factory(params):
    return make_strategy("sma_cross", params)


def test_sessions_panel_keeps_whole_sessions_in_range():
    days = [d.item() for d in PANEL.session_dates.astype("datetime64[D]")]
    part = sessions_panel(PANEL, days[3], days[5])
    assert part.shape[0] == 3 * 375
    assert [d.item() for d in part.session_dates.astype("datetime64[D]")] == days[3:6]
    assert part.session.min() == 0 and part.session.max() == 2
    result = run_backtest(factory({"fast": 3, "slow": 10}), part, BacktestConfig(fees=NO_FEES))
    assert result.summary["bars"] == 3 * 375 * 2


def test_costs_at_two_and_three_times_lower_the_weekly_net_return():
    rows = cost_sensitivity_of(factory, {"fast": 3, "slow": 10}, PANEL, BacktestConfig(fees=ZERODHA))
    nets = [r["mean_weekly_net_return"] for r in rows]
    assert nets[0] > nets[1] > nets[2]
    assert all(r["dies_at_2x"] == (nets[1] <= 0) for r in rows)


def test_walk_forward_picks_on_in_sample_and_reports_out_of_sample():
    grid = [{"fast": 3, "slow": 10}, {"fast": 5, "slow": 30}]
    out = walk_forward_of(factory, grid, PANEL, BacktestConfig(fees=NO_FEES), in_sample=4, out_of_sample=2)
    assert out["windows"] == 4
    assert all(c in grid for c in out["chosen"])
    assert out["out_of_sample_return"] == out["out_of_sample_return"]  # a number, not NaN


def test_a_session_slice_keeps_the_corporate_action_arrays_in_step() -> None:
    import numpy as np

    ratio = np.ones(PANEL.shape)
    ex_bar = int(np.flatnonzero(PANEL.session == 7)[0])
    ratio[ex_bar, 0] = 5.0  # a 5:1 split of the first symbol at the eighth session's first bar
    with_split = PANEL.with_arrays(share_ratio=ratio, cash_per_share=np.zeros(PANEL.shape))
    days = [d.item() for d in PANEL.session_dates.astype("datetime64[D]")]
    part = sessions_panel(with_split, days[6], days[8])
    assert part.share_ratio.shape == part.close.shape == part.cash_per_share.shape
    assert part.share_ratio[int(np.flatnonzero(part.session == 1)[0]), 0] == 5.0
    assert (part.share_ratio != 1.0).sum() == 1
    result = run_backtest(factory({"fast": 3, "slow": 10}), part, BacktestConfig(fees=NO_FEES))
    assert result.summary["bars"] == part.close.size
