from datetime import date

import numpy as np
import pandas as pd
import pytest

from vyapari.evaluation.robustness import (
    block_bootstrap_mean,
    cost_sensitivity,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    walk_forward,
    walk_forward_windows,
)


def test_bootstrap_of_constant_returns_has_a_point_interval():
    res = block_bootstrap_mean(np.full(10, 0.012), target=0.01)
    assert res.low == res.high == pytest.approx(0.012)
    assert res.prob_at_least_target == 1.0


def test_bootstrap_with_one_block_of_the_whole_sample_only_rotates_it():
    r = np.array([0.03, -0.01, 0.02, 0.0])
    res = block_bootstrap_mean(r, target=0.0099999, block=4, resamples=200)
    assert res.low == pytest.approx(0.01) and res.high == pytest.approx(0.01)
    assert res.prob_at_least_target == 1.0  # every rotation has mean exactly 1 %


def test_bootstrap_probability_falls_with_a_higher_target():
    r = np.random.default_rng(1).normal(0.01, 0.02, 40)
    low = block_bootstrap_mean(r, target=0.0).prob_at_least_target
    high = block_bootstrap_mean(r, target=0.03).prob_at_least_target
    assert low > 0.9 and high < 0.05


def test_expected_max_sharpe_of_1000_trials_matches_the_paper():
    # Bailey & López de Prado (2014): for V[SR] = 1 and N = 1000 trials, E[max SR] ≈ 3.26
    assert expected_max_sharpe(1.0, 1000) == pytest.approx(3.26, abs=0.01)
    assert expected_max_sharpe(1.0, 1) == 0.0


def test_deflated_sharpe_falls_as_trials_grow():
    r = np.random.default_rng(3).normal(0.004, 0.01, 200)
    one = deflated_sharpe_ratio(r, trials=1, trial_sharpe_variance=0.01)
    many = deflated_sharpe_ratio(r, trials=500, trial_sharpe_variance=0.01)
    assert 0.99 < one <= 1.0
    assert many < one


def test_cost_sensitivity_flags_a_strategy_that_dies_at_twice_the_costs():
    gross, costs = 0.01, 0.006
    rows = cost_sensitivity(lambda m: gross - m * costs, lambda x: x)
    assert [r["multiplier"] for r in rows] == [1.0, 2.0, 3.0]
    assert rows[0]["mean_weekly_net_return"] == pytest.approx(0.004)
    assert rows[0]["dies_at_2x"]
    assert not cost_sensitivity(lambda m: gross - m * 0.001, lambda x: x)[0]["dies_at_2x"]


def test_walk_forward_windows_roll_without_overlapping_out_of_sample():
    days = [date(2025, 1, 1) + pd.Timedelta(days=i) for i in range(10)]
    wins = walk_forward_windows(days, in_sample=4, out_of_sample=2)
    assert [(w.in_start.day, w.in_end.day, w.out_start.day, w.out_end.day) for w in wins] == [
        (1, 4, 5, 6),
        (3, 6, 7, 8),
        (5, 8, 9, 10),
    ]


def test_walk_forward_scores_out_of_sample_only_and_chains_the_pieces():
    days = [date(2025, 1, 1) + pd.Timedelta(days=i) for i in range(8)]
    wins = walk_forward_windows(days, in_sample=2, out_of_sample=2)
    seen = []

    def choose(w):
        return {"k": w.in_end.day}

    def score(params, w):
        seen.append((params["k"], w.out_start.day))
        return pd.Series([100.0, 110.0], index=[w.out_start, w.out_end])

    curve, chosen = walk_forward(wins, choose, score)
    assert seen == [(2, 3), (4, 5), (6, 7)]
    assert chosen == [{"k": 2}, {"k": 4}, {"k": 6}]
    assert curve.tolist() == pytest.approx([100, 110, 110, 121, 121, 133.1])
