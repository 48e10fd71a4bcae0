"""Robustness checks against small cases worked by hand."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from tests.unit.evaluation.curves import NINE_WEEKS, weekly_curve

from vyapari.evaluation.robustness import (
    Window,
    block_bootstrap_mean,
    cost_sensitivity,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    mean_weekly_net_return_of,
    walk_forward,
    walk_forward_windows,
)
from vyapari.evaluation.weekly import WeeklyTargetEvaluator


def test_bootstrap_of_constant_returns_has_a_point_interval():
    res = block_bootstrap_mean(np.full(10, 0.012), target=0.01)
    assert res.low == res.high == pytest.approx(0.012)
    assert res.prob_at_least_target == 1.0


def test_bootstrap_with_one_block_of_the_whole_sample_only_rotates_it():
    r = np.array([0.03, -0.01, 0.02, 0.0])
    res = block_bootstrap_mean(r, target=0.0099999, block=4, resamples=200)
    assert res.low == pytest.approx(0.01) and res.high == pytest.approx(0.01)
    assert res.prob_at_least_target == 1.0  # every rotation has mean exactly 1 %


def test_bootstrap_of_two_weeks_with_blocks_of_one_matches_the_coin_toss():
    # returns {0 %, 2 %} drawn twice: means 0, 1 %, 1 %, 2 % with equal chance, so P(mean >= 1 %) = 3/4
    res = block_bootstrap_mean(np.array([0.0, 0.02]), target=0.01, block=1, resamples=40_000, level=0.9)
    assert res.prob_at_least_target == pytest.approx(0.75, abs=0.01)
    assert res.low == pytest.approx(0.0, abs=1e-12) and res.high == pytest.approx(0.02)  # 5th, 95th
    assert res.mean == pytest.approx(0.01)


def test_moving_blocks_never_wrap_around_circular_ones_do():
    # n = 3, blocks of 2: a resample is a whole block and the first return of a second block.
    # Moving blocks (0, 2 %) or (2 %, 4 %): means 0.67 %, 1.33 %, 2 %, 2.67 %, so P(>= 2 %) = 1/2.
    # Circular blocks add (4 %, 0): 9 equally likely pairs, 6 of them reach 2 %, so P = 2/3.
    r, target = np.array([0.0, 0.02, 0.04]), 0.0199999
    moving = block_bootstrap_mean(r, target, block=2, resamples=40_000, circular=False)
    circular = block_bootstrap_mean(r, target, block=2, resamples=40_000)
    assert moving.prob_at_least_target == pytest.approx(0.5, abs=0.01)
    assert circular.prob_at_least_target == pytest.approx(2 / 3, abs=0.01)
    assert moving.resamples == 40_000 and moving.block == 2


def test_bootstrap_is_seeded_and_falls_with_a_higher_target():
    r = np.random.default_rng(1).normal(0.01, 0.02, 40)
    assert block_bootstrap_mean(r, 0.01) == block_bootstrap_mean(r, 0.01)
    assert block_bootstrap_mean(r, 0.0).prob_at_least_target > 0.9
    assert block_bootstrap_mean(r, 0.03).prob_at_least_target < 0.05


def test_expected_max_sharpe_of_1000_trials_matches_the_paper():
    # Bailey & López de Prado (2014): for V[SR] = 1 and N = 1000 trials, E[max SR] ≈ 3.26
    assert expected_max_sharpe(1.0, 1000) == pytest.approx(3.26, abs=0.01)
    assert expected_max_sharpe(1.0, 1) == 0.0


def test_expected_max_sharpe_of_two_trials_by_hand():
    # Z⁻¹(1 - 1/2) = 0, Z⁻¹(1 - 1/(2e)) = Z⁻¹(0.81606) = 0.900453: SR0 = γ · 0.900453 · √V
    assert expected_max_sharpe(1.0, 2) == pytest.approx(0.5772157 * 0.900453, abs=1e-6)
    assert expected_max_sharpe(0.25, 2) == pytest.approx(0.5 * 0.5772157 * 0.900453, abs=1e-6)


def test_deflated_sharpe_of_a_symmetric_two_point_series_by_hand():
    # r = 2 %, 0, 2 %, 0: mean 1 %, sample sd 1.1547 %, SR = 0.866025, skew 0, kurtosis 1,
    # so the denominator is 1 and DSR = Φ(SR · √3) = Φ(1.5) = 0.933193 with one trial
    r = np.array([0.02, 0.0, 0.02, 0.0])
    assert deflated_sharpe_ratio(r, trials=1, trial_sharpe_variance=1.0) == pytest.approx(0.933193, abs=1e-6)
    # two trials with V = 1: SR0 = 0.519755, DSR = Φ((0.866025 - 0.519755) · √3) = Φ(0.599758)
    assert deflated_sharpe_ratio(r, trials=2, trial_sharpe_variance=1.0) == pytest.approx(0.725666, abs=1e-5)


def test_deflated_sharpe_adjusts_for_skewness_and_kurtosis_by_hand():
    # r = 0, 0, 0, 4 %: mean 1 %, sample sd 2 %, SR = 0.5; skew = 1.154701, kurtosis = 2.333333;
    # denominator √(1 - 1.154701·0.5 + 1.333333/4·0.25) = 0.711325; Φ(0.5·√3 / 0.711325) = Φ(1.217484)
    r = np.array([0.0, 0.0, 0.0, 0.04])
    assert deflated_sharpe_ratio(r, trials=1, trial_sharpe_variance=1.0) == pytest.approx(0.888288, abs=1e-5)


def test_deflated_sharpe_falls_as_trials_grow_and_is_nan_without_dispersion():
    r = np.random.default_rng(3).normal(0.004, 0.01, 200)
    one = deflated_sharpe_ratio(r, trials=1, trial_sharpe_variance=0.01)
    many = deflated_sharpe_ratio(r, trials=500, trial_sharpe_variance=0.01)
    assert 0.99 < one <= 1.0
    assert many < one
    assert np.isnan(deflated_sharpe_ratio(np.full(10, 0.01), trials=5, trial_sharpe_variance=0.01))


def test_cost_sensitivity_flags_a_strategy_that_dies_at_twice_the_costs():
    gross, costs = 0.01, 0.006
    rows = cost_sensitivity(lambda m: gross - m * costs, lambda x: x)
    assert [r["multiplier"] for r in rows] == [1.0, 2.0, 3.0]
    assert [r["mean_weekly_net_return"] for r in rows] == pytest.approx([0.004, -0.002, -0.008])
    assert all(r["dies_at_2x"] for r in rows)
    assert not cost_sensitivity(lambda m: gross - m * 0.001)[0]["dies_at_2x"]
    assert cost_sensitivity(lambda m: gross - m * 0.005)[0]["dies_at_2x"]  # exactly 0 at 2x dies


def test_cost_sensitivity_evaluates_equity_curves_by_default():
    rows = cost_sensitivity(lambda m: weekly_curve(NINE_WEEKS, 0.01 - m * 0.004))
    assert [r["mean_weekly_net_return"] for r in rows] == pytest.approx([0.006, 0.002, -0.002])
    assert not rows[0]["dies_at_2x"]
    ev = WeeklyTargetEvaluator().evaluate(weekly_curve(NINE_WEEKS, 0.003))
    assert mean_weekly_net_return_of(ev) == pytest.approx(0.003)
    with pytest.raises(TypeError):
        mean_weekly_net_return_of("a string")


def test_walk_forward_windows_roll_without_overlapping_out_of_sample():
    days = [date(2025, 1, 1) + pd.Timedelta(days=i) for i in range(10)]
    wins = walk_forward_windows(days, in_sample=4, out_of_sample=2)
    assert [(w.in_start.day, w.in_end.day, w.out_start.day, w.out_end.day) for w in wins] == [
        (1, 4, 5, 6),
        (3, 6, 7, 8),
        (5, 8, 9, 10),
    ]
    assert [d.day for d in wins[0].in_sessions] == [1, 2, 3, 4]
    assert [d.day for d in wins[0].out_sessions] == [5, 6]
    with pytest.raises(ValueError, match="in_sample"):
        walk_forward_windows(days, 0, 2)


def test_walk_forward_scores_out_of_sample_only_and_chains_the_pieces():
    days = [date(2025, 1, 1) + pd.Timedelta(days=i) for i in range(8)]
    seen = []

    def choose(w: Window):
        return {"k": w.in_end.day}

    def score(params, w: Window):
        seen.append((params["k"], w.out_start.day))
        return pd.Series([100.0, 110.0], index=[w.out_start, w.out_end])

    curve, chosen = walk_forward(days, choose, score, in_sample=2, out_of_sample=2)
    assert seen == [(2, 3), (4, 5), (6, 7)]
    assert chosen == [{"k": 2}, {"k": 4}, {"k": 6}]
    assert curve.tolist() == pytest.approx([100, 110, 110, 121, 121, 133.1])  # +10 % three times
    same, _ = walk_forward(walk_forward_windows(days, 2, 2), choose, score)
    assert same.tolist() == curve.tolist()


def test_walk_forward_rejects_overlapping_out_of_sample_pieces_and_needs_sizes():
    days = [date(2025, 1, 1) + pd.Timedelta(days=i) for i in range(8)]

    def score(params, w):
        return pd.Series([1.0, 1.0], index=[w.out_start, w.out_end])

    with pytest.raises(ValueError, match="overlap"):
        walk_forward(walk_forward_windows(days, 2, 2, step=1), lambda w: None, score)
    with pytest.raises(ValueError, match="in_sample"):
        walk_forward(days, lambda w: None, score)
    assert walk_forward([], lambda w: None, score)[0].empty
