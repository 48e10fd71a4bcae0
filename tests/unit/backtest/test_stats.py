import numpy as np
import pytest

from vyapari.backtest.stats import max_drawdown


@pytest.mark.parametrize(
    ("equity", "depth", "slices"),
    [
        ([100, 90, 95, 100, 80, 81, 82, 83, 120, 110], 0.20, 4),  # longest run: 80..83 below the 100 peak
        ([1, 2, 3], 0.0, 0),
        ([5, 4, 3], 0.4, 2),  # never recovered: the run lasts to the end
        ([], 0.0, 0),
    ],
)
def test_max_drawdown_depth_and_longest_underwater_run(equity, depth, slices):
    worst, duration = max_drawdown(np.asarray(equity, dtype=float))
    assert worst == pytest.approx(depth)
    assert duration == slices


def test_tear_sheet_statistics_match_hand_computed_values():
    from vyapari.backtest.stats import tear_sheet_statistics

    # capital ₹100, then session closes giving returns +10%, -10%, +10%, +10%
    closes = np.array([110.0, 99.0, 108.9, 119.79])
    s = tear_sheet_statistics(closes, 100.0, np.array([30.0, -10.0, 20.0, -5.0, 0.0]))
    # mean return 0.05; sample std sqrt(((.05)² + (.15)² + (.05)² + (.05)²) / 3) = sqrt(0.03 / 3) = 0.1
    # downside deviation sqrt((0.1)² / 4) = 0.05 (population, over all four sessions)
    root = 252**0.5
    assert s["total_return"] == pytest.approx(0.1979)
    assert s["cagr"] == pytest.approx(1.1979**63 - 1)  # 252 / 4 sessions = 63
    assert s["volatility"] == pytest.approx(0.1 * root)
    assert s["sharpe"] == pytest.approx(0.5 * root)
    assert s["sortino"] == pytest.approx(1.0 * root)
    assert s["max_drawdown"] == pytest.approx(0.1)  # 110 → 99
    assert s["max_drawdown_sessions"] == 3  # peak on session 1, regained on session 4
    assert s["calmar"] == pytest.approx((1.1979**63 - 1) / 0.1)
    assert s["trades"] == 5 and s["win_rate"] == pytest.approx(0.4)  # a zero P&L trade is no win
    assert s["profit_factor"] == pytest.approx(50 / 15)
    assert s["avg_win_inr"] == pytest.approx(25.0) and s["avg_loss_inr"] == pytest.approx(-7.5)
    assert s["expectancy_inr"] == pytest.approx(7.0)


def test_tear_sheet_statistics_say_undefined_rather_than_zero():
    from vyapari.backtest.stats import tear_sheet_statistics

    s = tear_sheet_statistics(np.array([101.0, 102.0]), 100.0, np.array([5.0]))
    assert s["max_drawdown"] == 0 and s["max_drawdown_sessions"] == 0
    assert np.isnan(s["calmar"]) and np.isnan(s["profit_factor"]) and np.isnan(s["avg_loss_inr"])
    assert np.isnan(s["sortino"])  # no losing session: no downside deviation
