"""Hand-built equity curves whose weekly figures are known."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from vyapari.core.errors import InvalidInput
from vyapari.core.time import IST
from vyapari.evaluation.criteria import Badge, TargetCriteria
from vyapari.evaluation.weekly import WeeklyTargetEvaluator
from vyapari.market.calendar import get_calendar
from vyapari.model.enums import Exchange

CAL = get_calendar(Exchange.NSE)


def sessions(start: date, end: date) -> list[date]:
    return [s.session_date for s in CAL.sessions(start, end)]


def at_close(days: list[date]) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(
        [pd.Timestamp(d).tz_localize(IST) + pd.Timedelta(hours=15, minutes=29) for d in days]
    )


def weekly_curve(days: list[date], weekly_return: float, start: float = 1_000_000.0) -> pd.Series:
    """Each ISO week ends exactly ``weekly_return`` above the previous week's end, rising smoothly."""
    weeks = [d.isocalendar()[:2] for d in days]
    values, prev_week_end = [], start
    for i, w in enumerate(weeks):
        in_week = [j for j, x in enumerate(weeks) if x == w]
        k = in_week.index(i) + 1
        if w == weeks[0]:  # the first week runs from the first point (its own first session)
            level = start * (1 + weekly_return * (k - 1) / max(len(in_week) - 1, 1))
        else:
            level = prev_week_end * (1 + weekly_return * k / len(in_week))
        values.append(level)
        if k == len(in_week):
            prev_week_end = level
    return pd.Series(values, index=at_close(days))


# 2025-09-01 (Mon) .. 2025-10-31 (Fri): nine ISO weeks, 2 Oct and the Muhurat week inside
NINE_WEEKS = sessions(date(2025, 9, 1), date(2025, 10, 31))


def test_weekly_returns_are_exact_and_all_weeks_full():
    ev = WeeklyTargetEvaluator().evaluate(weekly_curve(NINE_WEEKS, 0.01))
    assert len(ev.full_weeks) == 9
    assert np.allclose(ev.weekly["gross_return"], 0.01)
    assert ev.mean_weekly_return == pytest.approx(0.01)


@pytest.mark.parametrize(
    ("weekly", "badge"),
    [
        (0.012, Badge.GREEN),
        (0.010, Badge.GREEN),
        (0.009, Badge.AMBER),
        (0.0081, Badge.AMBER),
        (0.0079, Badge.RED),
        (0.007, Badge.RED),
        (-0.01, Badge.RED),
    ],
)
def test_mean_weekly_return_badge_boundaries(weekly, badge):
    ev = WeeklyTargetEvaluator().evaluate(weekly_curve(NINE_WEEKS, weekly))
    crit = {c.name: c for c in ev.criteria}["mean_weekly_gross_return"]
    assert crit.badge is badge
    assert f"{weekly:.2%}" in crit.reason


def drop_and_recover(depth: float) -> pd.Series:
    curve = weekly_curve(NINE_WEEKS, 0.01).to_numpy().copy()
    curve[20:] = curve[20:] * (1 - depth) * curve[19] / curve[20]  # session 20 is ``depth`` below the peak
    return pd.Series(curve, index=at_close(NINE_WEEKS))


@pytest.mark.parametrize(
    ("depth", "badge"), [(0.10, Badge.GREEN), (0.11, Badge.AMBER), (0.12, Badge.AMBER), (0.125, Badge.RED)]
)
def test_max_drawdown_badge_boundaries(depth, badge):
    ev = WeeklyTargetEvaluator().evaluate(drop_and_recover(depth))
    crit = {c.name: c for c in ev.criteria}["max_drawdown"]
    assert crit.value == pytest.approx(depth, abs=1e-9)
    assert crit.badge is badge


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
    # 21 full weeks; the 5th percentile (linear) of 21 sorted values is the 2nd worst exactly
    dips = [0.005] * 18 + [0.02, 0.035, 0.05]
    ev = WeeklyTargetEvaluator().evaluate(curve_with_weekly_dips(dips))
    assert len(ev.full_weeks) == 21
    crit = {c.name: c for c in ev.criteria}["p95_weekly_drawdown"]
    assert crit.value == pytest.approx(-0.035)
    assert crit.badge is Badge.AMBER  # worse than -3 % but within the band down to -3.6 %


@pytest.mark.parametrize(
    ("second_worst", "badge"),
    [(0.03, Badge.GREEN), (0.033, Badge.AMBER), (0.036, Badge.AMBER), (0.037, Badge.RED)],
)
def test_p95_weekly_drawdown_badge_boundaries(second_worst, badge):
    dips = [0.005] * 19 + [second_worst, 0.08]
    ev = WeeklyTargetEvaluator().evaluate(curve_with_weekly_dips(dips))
    assert {c.name: c for c in ev.criteria}["p95_weekly_drawdown"].badge is badge


def test_partial_first_and_last_weeks_are_flagged_and_left_out():
    days = sessions(date(2025, 9, 3), date(2025, 10, 29))  # starts Wed, ends Wed
    ev = WeeklyTargetEvaluator().evaluate(weekly_curve(days, 0.01))
    assert ev.weekly["partial"].tolist()[0] and ev.weekly["partial"].tolist()[-1]
    assert not ev.weekly["partial"].iloc[1:-1].any()
    assert ev.to_dict()["partial_weeks"] == ["2025-W36", "2025-W44"]
    assert ev.to_dict()["weeks"] == len(ev.weekly) - 2


def test_holiday_week_with_the_sunday_budget_session_is_a_full_week():
    days = sessions(date(2026, 1, 12), date(2026, 2, 13))
    ev = WeeklyTargetEvaluator().evaluate(weekly_curve(days, 0.01))
    week = ev.weekly.set_index("week").loc["2026-W05"]  # Mon 26 Jan (Republic Day) .. Sun 1 Feb
    assert week["sessions"] == 5 and str(week["last_session"]) == "2026-02-01"
    assert not week["partial"]
    holi = WeeklyTargetEvaluator().evaluate(
        weekly_curve(sessions(date(2026, 2, 16), date(2026, 3, 20)), 0.01)
    )
    assert holi.weekly.set_index("week").loc["2026-W10", "sessions"] == 4  # Holi, 3 Mar 2026


def test_fewer_than_two_full_weeks_is_red_with_a_reason():
    ev = WeeklyTargetEvaluator().evaluate(weekly_curve(sessions(date(2025, 9, 1), date(2025, 9, 5)), 0.05))
    assert ev.badge is Badge.RED
    assert "not enough full weeks" in ev.criteria[0].reason


def test_gross_return_adds_back_charges_paid():
    curve = weekly_curve(NINE_WEEKS, 0.0)
    charges = pd.Series(np.arange(len(curve)) * 500.0, index=curve.index)  # ₹500 a session
    ev = WeeklyTargetEvaluator().evaluate(curve - charges, charges)
    assert ev.mean_weekly_return == pytest.approx(0.0, abs=1e-12)
    assert ev.mean_weekly_net_return < 0


def test_tolerance_band_and_targets_come_from_the_environment():
    criteria = TargetCriteria.from_env({"TARGET_WEEKLY_RETURN_PCT": "1.0", "TOLERANCE_PCT": "10"})
    ev = WeeklyTargetEvaluator(criteria).evaluate(weekly_curve(NINE_WEEKS, 0.0085))
    assert ev.criteria[0].badge is Badge.RED  # 0.85 % is outside a 10 % band of 1 %
    with pytest.raises(InvalidInput, match="MAX_DRAWDOWN_PCT"):
        TargetCriteria.from_env({"MAX_DRAWDOWN_PCT": "ten"})


def test_overall_badge_is_the_worst_and_win_rates_are_reported():
    ev = WeeklyTargetEvaluator().evaluate(
        weekly_curve(NINE_WEEKS, 0.009), trade_pnl=np.array([5.0, -2.0, 0.0, 3.0])
    )
    assert [c.badge for c in ev.criteria] == [Badge.AMBER, Badge.GREEN, Badge.GREEN]
    assert ev.badge is Badge.AMBER
    assert (
        WeeklyTargetEvaluator().evaluate(drop_and_recover(0.11)).badge is Badge.RED
    )  # P95 of 9 weeks: -6.6 %
    out = ev.to_dict()
    assert out["badge"] == "amber"
    assert out["trade_win_rate_pct"] == pytest.approx(200 / 3, abs=1e-3)
    assert 0 <= out["weekly_win_rate_pct"] <= 100
    assert {c["name"] for c in out["criteria"]} == {
        "mean_weekly_gross_return",
        "max_drawdown",
        "p95_weekly_drawdown",
    }
