"""The weekly evaluator on hand-built equity curves whose weekly figures are known."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from tests.unit.evaluation.curves import NINE_WEEKS, at_close, sessions, weekly_curve

from vyapari.core.errors import InvalidInput
from vyapari.evaluation.criteria import Badge, TargetCriteria
from vyapari.evaluation.weekly import WeeklyTargetEvaluator, as_ist_curve, max_drawdown


def crit(ev, name):
    return {c.name: c for c in ev.criteria}[name]


def test_weekly_returns_are_exact_and_all_weeks_full():
    ev = WeeklyTargetEvaluator().evaluate(weekly_curve(NINE_WEEKS, 0.01))
    assert len(ev.full_weeks) == 9 and not ev.weekly["partial"].any()
    assert np.allclose(ev.weekly["gross_return"], 0.01)
    assert ev.mean_weekly_return == pytest.approx(0.01)
    assert ev.badge is Badge.GREEN


@pytest.mark.parametrize(
    ("weekly", "badge"),
    [
        (0.012, Badge.GREEN),
        (0.010, Badge.GREEN),
        (0.009, Badge.AMBER),
        (0.008, Badge.AMBER),
        (0.0079, Badge.RED),
        (0.007, Badge.RED),
        (-0.01, Badge.RED),
    ],
)
def test_mean_weekly_return_badge_boundaries(weekly, badge):
    ev = WeeklyTargetEvaluator().evaluate(weekly_curve(NINE_WEEKS, weekly))
    c = crit(ev, "mean_weekly_gross_return")
    assert c.badge is badge
    assert c.reason.startswith(f"mean weekly gross return {weekly:.2%}")


def test_mean_weekly_return_reasons_say_why_in_words():
    amber = crit(
        WeeklyTargetEvaluator().evaluate(weekly_curve(NINE_WEEKS, 0.0085)), "mean_weekly_gross_return"
    )
    assert amber.reason == (
        "mean weekly gross return 0.85% is below the 1.00% target but within the 20% tolerance band (≥ 0.80%)"
    )
    red = crit(WeeklyTargetEvaluator().evaluate(weekly_curve(NINE_WEEKS, 0.007)), "mean_weekly_gross_return")
    assert "outside the 20% tolerance band" in red.reason
    green = crit(WeeklyTargetEvaluator().evaluate(weekly_curve(NINE_WEEKS, 0.01)), "mean_weekly_gross_return")
    assert green.reason == "mean weekly gross return 1.00% meets the 1.00% target"


def drop_and_recover(depth: float) -> pd.Series:
    curve = weekly_curve(NINE_WEEKS, 0.01).to_numpy().copy()
    curve[20:] = curve[20:] * (1 - depth) * curve[19] / curve[20]  # session 20 is ``depth`` below the peak
    return pd.Series(curve, index=at_close(NINE_WEEKS))


@pytest.mark.parametrize(
    ("depth", "badge"), [(0.10, Badge.GREEN), (0.11, Badge.AMBER), (0.12, Badge.AMBER), (0.125, Badge.RED)]
)
def test_max_drawdown_badge_boundaries(depth, badge):
    ev = WeeklyTargetEvaluator().evaluate(drop_and_recover(depth))
    c = crit(ev, "max_drawdown")
    assert c.value == pytest.approx(depth, abs=1e-9)
    assert c.badge is badge
    if badge is Badge.AMBER:
        assert "is above the 10.00% limit but within the 20% tolerance band (≤ 12.00%)" in c.reason


def test_max_drawdown_of_a_small_series_by_hand():
    assert max_drawdown(np.array([100.0, 120.0, 90.0, 130.0, 117.0])) == pytest.approx(0.25)
    assert max_drawdown(np.array([1.0, 2.0, 3.0])) == 0.0


def curve_with_weekly_dips(dips: list[float]) -> pd.Series:
    """Flat equity with, in week i, one session dipping by dips[i] and recovering the next session."""
    days = sessions(date(2025, 1, 6), date(2025, 9, 30))
    weeks = sorted({d.isocalendar()[:2] for d in days})[: len(dips)]
    days = [d for d in days if d.isocalendar()[:2] in weeks]
    values = np.full(len(days), 1_000_000.0)
    for w, dip in zip(weeks, dips, strict=True):
        idx = [i for i, d in enumerate(days) if d.isocalendar()[:2] == w]
        values[idx[1]] *= 1 - dip
    return pd.Series(values, index=at_close(days))


def test_p95_weekly_drawdown_is_the_second_worst_of_21_weeks():
    # 21 full weeks; numpy's linear 5th percentile of 21 sorted values is at rank 0.05 * 20 = 1:
    # exactly the second worst
    dips = [0.005] * 18 + [0.02, 0.035, 0.05]
    ev = WeeklyTargetEvaluator().evaluate(curve_with_weekly_dips(dips))
    assert len(ev.full_weeks) == 21
    c = crit(ev, "p95_weekly_drawdown")
    assert c.value == pytest.approx(-0.035)
    assert c.badge is Badge.AMBER  # worse than -3 % but within the band down to -3.6 %
    assert "is worse than the -3.00% floor but within the 20% tolerance band (≥ -3.60%)" in c.reason


def test_p95_weekly_drawdown_interpolates_linearly_between_ranks():
    # 11 weeks: rank 0.05 * 10 = 0.5, half-way between the worst (-6 %) and second worst (-2 %)
    ev = WeeklyTargetEvaluator().evaluate(curve_with_weekly_dips([0.01] * 9 + [0.02, 0.06]))
    assert ev.p95_weekly_drawdown == pytest.approx(-0.04)


@pytest.mark.parametrize(
    ("second_worst", "badge"),
    [(0.03, Badge.GREEN), (0.033, Badge.AMBER), (0.036, Badge.AMBER), (0.037, Badge.RED)],
)
def test_p95_weekly_drawdown_badge_boundaries(second_worst, badge):
    dips = [0.005] * 19 + [second_worst, 0.08]
    ev = WeeklyTargetEvaluator().evaluate(curve_with_weekly_dips(dips))
    assert crit(ev, "p95_weekly_drawdown").badge is badge


def test_weekly_drawdown_counts_a_monday_gap_below_the_previous_week_close():
    curve = weekly_curve(NINE_WEEKS, 0.0)
    monday = next(i for i, d in enumerate(NINE_WEEKS) if d == date(2025, 9, 8))
    curve.iloc[monday] *= 0.97  # opens the week 3 % below Friday's close, recovers on Tuesday
    table = WeeklyTargetEvaluator().weekly_table(curve).set_index("week")
    assert table.loc["2025-W37", "drawdown"] == pytest.approx(-0.03)
    assert table.loc["2025-W37", "net_return"] == pytest.approx(0.0)
    assert table.loc["2025-W36", "drawdown"] == 0.0


def test_partial_first_and_last_weeks_are_flagged_and_left_out():
    days = sessions(date(2025, 9, 3), date(2025, 10, 29))  # starts Wed, ends Wed
    curve = weekly_curve(days, 0.01)
    curve.iloc[-1] *= 1.2  # a wild partial last week must not move the verdict
    ev = WeeklyTargetEvaluator().evaluate(curve)
    assert ev.weekly["partial"].tolist()[0] and ev.weekly["partial"].tolist()[-1]
    assert not ev.weekly["partial"].iloc[1:-1].any()
    out = ev.to_dict()
    assert out["partial_weeks"] == ["2025-W36", "2025-W44"]
    assert out["weeks"] == len(ev.weekly) - 2
    assert ev.mean_weekly_return == pytest.approx(0.01)
    assert out["weekly"][0]["partial"] is True


def test_a_curve_ending_on_the_weeks_last_session_is_not_partial_even_when_it_is_a_thursday():
    # Diwali week 2025-W43: 21 Oct (Muhurat) .. 24 Oct; the last session of the week is Friday
    days = sessions(date(2025, 9, 1), date(2025, 10, 23))
    ev = WeeklyTargetEvaluator().evaluate(weekly_curve(days, 0.01))
    assert ev.to_dict()["partial_weeks"] == ["2025-W43"]
    # a week ending on its holiday-shortened last session (Holi week 2026-W10) is full
    holi = sessions(date(2026, 2, 16), date(2026, 3, 6))
    assert WeeklyTargetEvaluator().evaluate(weekly_curve(holi, 0.01)).to_dict()["partial_weeks"] == []


def test_holiday_week_with_the_sunday_budget_session_is_a_full_week():
    days = sessions(date(2026, 1, 12), date(2026, 2, 13))
    assert date(2026, 2, 1) in days and date(2026, 1, 26) not in days
    ev = WeeklyTargetEvaluator().evaluate(weekly_curve(days, 0.01))
    week = ev.weekly.set_index("week").loc["2026-W05"]  # Mon 26 Jan (Republic Day) .. Sun 1 Feb
    assert week["sessions"] == 5 and week["first_session"] == date(2026, 1, 27)
    assert week["last_session"] == date(2026, 2, 1)
    assert not week["partial"]
    assert week["gross_return"] == pytest.approx(0.01)


def test_holi_week_has_four_sessions_and_is_a_full_week():
    ev = WeeklyTargetEvaluator().evaluate(weekly_curve(sessions(date(2026, 2, 16), date(2026, 3, 20)), 0.01))
    week = ev.weekly.set_index("week").loc["2026-W10"]  # Holi, Tue 3 Mar 2026
    assert week["sessions"] == 4 and not week["partial"]
    assert week["gross_return"] == pytest.approx(0.01)


def test_intraday_points_give_the_same_weeks_as_closing_points():
    daily = weekly_curve(NINE_WEEKS, 0.01)
    morning = pd.Series(daily.to_numpy() * 0.999, index=daily.index - pd.Timedelta(hours=6))
    intraday = pd.concat([daily, morning]).sort_index()
    ev = WeeklyTargetEvaluator().evaluate(intraday)
    assert len(ev.full_weeks) == 9
    assert np.allclose(ev.weekly["gross_return"].iloc[1:], 0.01)
    # the first week is measured from the first point: the first morning, 0.1 % below the close
    assert ev.weekly["gross_return"].iloc[0] == pytest.approx(1.01 / 0.999 - 1)
    assert ev.weekly["sessions"].iloc[0] == 5


def test_fewer_than_two_full_weeks_is_red_with_a_reason():
    ev = WeeklyTargetEvaluator().evaluate(weekly_curve(sessions(date(2025, 9, 1), date(2025, 9, 12)), 0.05))
    assert len(ev.full_weeks) == 2 and ev.badge is Badge.GREEN
    one = WeeklyTargetEvaluator().evaluate(weekly_curve(sessions(date(2025, 9, 1), date(2025, 9, 5)), 0.05))
    assert one.badge is Badge.RED and not one.enough_weeks
    assert one.criteria[0].reason.startswith("not enough full weeks: 1")
    out = one.to_dict()
    assert out["badge"] == "red" and out["enough_weeks"] is False
    assert out["mean_weekly_return_pct"] is None
    assert out["criteria"][0] == {
        "name": "full_weeks",
        "value": 1.0,
        "target": 2.0,
        "badge": "red",
        "reason": one.criteria[0].reason,
    }


def test_gross_return_adds_back_charges_paid():
    curve = weekly_curve(NINE_WEEKS, 0.0)
    charges = pd.Series(np.arange(len(curve)) * 500.0, index=curve.index)  # ₹500 a session
    ev = WeeklyTargetEvaluator().evaluate(curve - charges, charges)
    assert ev.mean_weekly_return == pytest.approx(0.0, abs=1e-12)
    assert ev.mean_weekly_net_return < 0
    assert ev.to_dict()["weekly_win_rate_pct"] == 0.0


def test_charges_paid_between_equity_points_count_from_the_next_point():
    curve = weekly_curve(NINE_WEEKS, 0.0)
    # ₹1000 paid ten minutes before each close: same as paid at the close
    charges = pd.Series(np.arange(1, len(curve) + 1) * 1000.0, index=curve.index - pd.Timedelta(minutes=10))
    ev = WeeklyTargetEvaluator().evaluate(curve, charges)
    week = ev.weekly.iloc[1]
    assert week["gross_return"] == pytest.approx(5000 / (1_000_000 + 5000))
    assert week["net_return"] == pytest.approx(0.0)


def test_tolerance_band_and_targets_come_from_the_environment():
    criteria = TargetCriteria.from_env({"TARGET_WEEKLY_RETURN_PCT": "1.0", "TOLERANCE_PCT": "10"})
    assert criteria == TargetCriteria(0.01, 0.10, -0.03, 0.10)
    ev = WeeklyTargetEvaluator(criteria).evaluate(weekly_curve(NINE_WEEKS, 0.0085))
    assert ev.criteria[0].badge is Badge.RED  # 0.85 % is outside a 10 % band of 1 %
    assert TargetCriteria.from_env({}) == TargetCriteria()


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({"MAX_DRAWDOWN_PCT": "ten"}, "MAX_DRAWDOWN_PCT"),
        ({"MAX_DRAWDOWN_PCT": "-5"}, "MAX_DRAWDOWN_PCT"),
        ({"P95_WEEKLY_DRAWDOWN_PCT": "3"}, "P95_WEEKLY_DRAWDOWN_PCT"),
        ({"TOLERANCE_PCT": "100"}, "TOLERANCE_PCT"),
        ({"TARGET_WEEKLY_RETURN_PCT": "nan"}, "TARGET_WEEKLY_RETURN_PCT"),
    ],
)
def test_target_criteria_from_env_rejects_bad_values_naming_the_variable(env, field):
    with pytest.raises(InvalidInput, match=field):
        TargetCriteria.from_env(env)


def test_overall_badge_is_the_worst_and_win_rates_are_reported():
    ev = WeeklyTargetEvaluator().evaluate(
        weekly_curve(NINE_WEEKS, 0.009), trade_pnl=np.array([5.0, -2.0, 0.0, 3.0])
    )
    assert [c.badge for c in ev.criteria] == [Badge.AMBER, Badge.GREEN, Badge.GREEN]
    assert ev.badge is Badge.AMBER
    assert WeeklyTargetEvaluator().evaluate(drop_and_recover(0.11)).badge is Badge.RED  # P95 -6.6 %
    out = ev.to_dict()
    assert out["badge"] == "amber"
    assert out["trade_win_rate_pct"] == pytest.approx(200 / 3, abs=1e-3)  # the 0 (an opening fill) ignored
    assert out["weekly_win_rate_pct"] == 100.0
    assert (
        WeeklyTargetEvaluator().evaluate(weekly_curve(NINE_WEEKS, 0.01)).to_dict()["trade_win_rate_pct"]
        is None
    )
    assert {c["name"] for c in out["criteria"]} == {
        "mean_weekly_gross_return",
        "max_drawdown",
        "p95_weekly_drawdown",
    }
    assert set(out["weekly"][0]) == {
        "week", "first_session", "last_session", "sessions",
        "gross_return_pct", "net_return_pct", "drawdown_pct", "partial", "missing_sessions", "after_gap",
    }  # fmt: skip


def test_as_ist_curve_reads_naive_as_ist_and_rejects_bad_curves():
    naive = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2025-09-01 15:29", "2025-09-02 15:29"]))
    assert str(as_ist_curve(naive).index.tz) == "Asia/Kolkata"
    assert as_ist_curve(naive).index[0].hour == 15
    with pytest.raises(InvalidInput, match="positive"):
        as_ist_curve(naive * 0)
    with pytest.raises(InvalidInput, match="duplicate"):
        as_ist_curve(pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2025-09-01", "2025-09-01"])))
    with pytest.raises(InvalidInput, match="timestamps"):
        as_ist_curve(pd.Series([1.0, 2.0]))
