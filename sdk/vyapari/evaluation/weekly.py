"""The :class:`WeeklyTargetEvaluator`: is a strategy meeting its weekly target?

Weeks are Indian trading weeks: the sessions of one ISO week (Monday–Sunday, so the Sunday
budget session of 2026-02-01 belongs to the week of Monday 2026-01-26), from the exchange
calendar, so holidays shorten a week without breaking it. A week's return is its last
equity over the previous week's last equity (the first week: over the first point). The
first or last week of a curve that starts after the week's first session or ends before
its last session (session dates, per the calendar) is **partial**: flagged, shown, and left
out of the criteria.

Weeks are counted against the calendar, never the data alone: a week in which some of its
sessions have no point in the curve (a gap in the data, not a holiday) is flagged
(``missing_sessions``) and left out of the criteria like a partial week; a week whose previous
trading week is missing entirely is flagged ``after_gap`` and left out too, since its return and
drawdown would be measured from before the gap (a "week" is never stretched over a gap). The
evaluation lists every run of missing sessions in ``data_gaps`` and says so in its notes.

The weekly drawdown is the worst peak-to-trough fall inside the week, the running peak
starting at the previous week's last equity (so a Monday gap down counts); it is ≤ 0. The P95
weekly drawdown is the 5th percentile of the full weeks' drawdowns with numpy's ``linear``
method (``np.percentile(dd, 5, method="linear")``): 95 % of weeks fell less than it. Gross
equity adds back the charges paid up to each point; the net curve is the equity as given.

Bases: the mean weekly return target is judged **gross** of charges (the product target,
"≥ 1 % mean weekly gross return"); the max drawdown, the P95 weekly drawdown and the weekly win
rate are judged on **net** equity (what the account lives through). Both weekly returns are shown.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from vyapari.core.errors import InvalidInput
from vyapari.core.time import IST
from vyapari.evaluation.criteria import Badge, TargetCriteria
from vyapari.evaluation.result import (
    MIN_FULL_WEEKS,
    WEEKLY_COLUMNS,
    Criterion,
    WeeklyEvaluation,
    judge,
    not_enough_weeks,
)
from vyapari.model.enums import Exchange

NS_PER_DAY = 86_400_000_000_000

__all__ = ["Criterion", "WeeklyEvaluation", "WeeklyTargetEvaluator", "as_ist_curve", "max_drawdown"]


def iso_week(d: date) -> str:
    """ISO week label ``YYYY-Www`` of a date (Monday–Sunday weeks)."""
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def max_drawdown(values: np.ndarray) -> float:
    """Largest peak-to-trough fall of ``values`` (positive prices) as a positive fraction; 0 if none."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return 0.0
    peaks = np.maximum.accumulate(values)
    return float(np.max(1.0 - values / peaks))


def as_ist_curve(equity: pd.Series, name: str = "equity") -> pd.Series:
    """``equity`` as floats on a sorted, unique, IST DatetimeIndex (naive timestamps mean IST).

    Raises :class:`~vyapari.core.errors.InvalidInput` for a non-datetime index, duplicate
    timestamps, fewer than two points, or values that are missing or not positive.
    """
    if not isinstance(equity.index, pd.DatetimeIndex):
        raise InvalidInput(name, "must be indexed by timestamps")
    index = equity.index.tz_localize(IST) if equity.index.tz is None else equity.index.tz_convert(IST)
    curve = pd.Series(pd.to_numeric(equity, errors="coerce").to_numpy(dtype=float), index=index).sort_index()
    if curve.index.has_duplicates:
        raise InvalidInput(name, f"duplicate timestamp {curve.index[curve.index.duplicated()][0]}")
    if len(curve) < 2:
        raise InvalidInput(name, "needs at least two points")
    if not (np.isfinite(curve.to_numpy()) & (curve.to_numpy() > 0)).all():
        raise InvalidInput(name, "equity must be positive numbers (no blanks, zeros or negatives)")
    return curve


def charges_at(charges_paid: pd.Series | None, index: pd.DatetimeIndex) -> np.ndarray:
    """Cumulative charges (₹) paid at or before each time of ``index`` (0 before the first)."""
    if charges_paid is None or charges_paid.empty:
        return np.zeros(len(index))
    if charges_paid.index.equals(index):  # already at each time of index (cumulative_charges): as is
        same = charges_paid.to_numpy(dtype=float)
        if not np.isnan(same).any():
            return same
    charges = charges_paid.copy()
    charges.index = pd.DatetimeIndex(charges.index)
    if charges.index.tz is None:
        charges.index = charges.index.tz_localize(IST)
    charges = charges.groupby(level=0).last().sort_index()
    aligned = charges.reindex(index.union(charges.index)).ffill().reindex(index)
    return aligned.fillna(0.0).to_numpy(dtype=float)


class WeeklyTargetEvaluator:
    """Evaluate an equity curve (₹, timestamps) week by week against :class:`TargetCriteria`.

    Parameters
    ----------
    criteria : TargetCriteria, optional
        Targets (fractions); the defaults of :class:`TargetCriteria` when omitted.
    exchange : Exchange
        Whose calendar defines the sessions of a week (NSE by default).
    """

    def __init__(self, criteria: TargetCriteria | None = None, exchange: Exchange = Exchange.NSE) -> None:
        self.criteria = criteria or TargetCriteria()
        self.exchange = exchange

    def weekly_table(self, equity: pd.Series, charges_paid: pd.Series | None = None,
                     charges_known: bool = True) -> pd.DataFrame:
        """One row per ISO week with :data:`~vyapari.evaluation.result.WEEKLY_COLUMNS`.

        ``equity`` is the net curve (₹); ``charges_paid`` the cumulative charges (₹) by time,
        added back for the gross curve (``charges_known`` False: gross returns are NaN, unknown).
        Returns and drawdowns are fractions.
        """
        net = as_ist_curve(equity)
        values = net.to_numpy()
        gross = values + charges_at(charges_paid, pd.DatetimeIndex(net.index))
        if not charges_known:
            gross = np.full(len(net), np.nan)
        # sessions and their ISO weeks: O(sessions) Python work; the points are only sliced (the
        # curve is sorted, so each session and each week is one run of consecutive points)
        day = pd.DatetimeIndex(net.index).tz_localize(None).as_unit("ns").asi8 // NS_PER_DAY
        starts = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
        session_days = pd.DatetimeIndex(day[starts] * NS_PER_DAY)
        iso = session_days.isocalendar()
        labels = [f"{y}-W{w:02d}" for y, w in zip(iso["year"], iso["week"], strict=True)]
        week_starts = np.flatnonzero(np.r_[True, np.array(labels[1:]) != np.array(labels[:-1])])
        dates = np.array(session_days.date, dtype=object)
        first_point = starts[week_starts]
        last_point = np.r_[first_point[1:], len(values)] - 1
        table = pd.DataFrame({
            "week": np.array(labels, dtype=object)[week_starts],
            "first_session": dates[week_starts],
            "last_session": dates[np.r_[week_starts[1:], len(labels)] - 1],
            "sessions": np.diff(np.r_[week_starts, len(labels)]).astype(np.int64),
            "net_last": values[last_point],
            "gross_last": gross[last_point],
        })
        prev_net = np.concatenate(([values[0]], values[last_point][:-1]))
        prev_gross = np.concatenate(([gross[0]], gross[last_point][:-1]))
        table["gross_return"] = table["gross_last"].to_numpy() / prev_gross - 1.0
        table["net_return"] = table["net_last"].to_numpy() / prev_net - 1.0
        table["drawdown"] = self._weekly_drawdowns(values, first_point, prev_net)
        missing, after_gap = self._gap_flags(table, set(dates.tolist()))
        table["missing_sessions"] = missing
        table["after_gap"] = after_gap
        table["partial"] = self._partial_flags(table) | (missing > 0) | after_gap
        return table.loc[:, list(WEEKLY_COLUMNS)]

    def _week_sessions(self, day: date) -> list[date]:
        from vyapari.market.calendar import get_calendar

        monday = day - timedelta(days=day.weekday())
        sessions = get_calendar(self.exchange).sessions(monday, monday + timedelta(days=6))
        return [s.session_date for s in sessions]

    def _gap_flags(self, table: pd.DataFrame, days: set[date]) -> tuple[np.ndarray, np.ndarray]:
        """Per week: sessions (inside the curve's span) without a point, and whether the previous
        trading week of the calendar has no point at all."""
        first, last = min(days), max(days)
        missing = np.zeros(len(table), dtype=np.int64)
        after_gap = np.zeros(len(table), dtype=bool)
        for i, start in enumerate(table["first_session"].tolist()):
            week = [d for d in self._week_sessions(start) if first <= d <= last]
            missing[i] = sum(d not in days for d in week)
            if i == 0:
                continue
            monday = start - timedelta(days=start.weekday())
            prev_day = monday - timedelta(days=1)
            prev_week = [d for d in self._week_sessions(prev_day) if first <= d <= last]
            while not prev_week and prev_day > first:  # a week with no session at all: look further back
                prev_day -= timedelta(days=7)
                prev_week = [d for d in self._week_sessions(prev_day) if first <= d <= last]
            after_gap[i] = bool(prev_week) and not any(d in days for d in prev_week)
        return missing, after_gap

    def data_gaps(self, equity: pd.Series) -> list[tuple[str, str, int]]:
        """Runs of calendar sessions with no point in ``equity``: ``(first, last, sessions)`` (ISO dates)."""
        from vyapari.market.calendar import get_calendar

        curve = as_ist_curve(equity)
        day = pd.DatetimeIndex(curve.index).tz_localize(None).as_unit("ns").asi8 // NS_PER_DAY
        days = set(pd.DatetimeIndex(np.unique(day) * NS_PER_DAY).date)  # O(sessions) date objects
        sessions = [s.session_date for s in get_calendar(self.exchange).sessions(min(days), max(days))]
        gaps: list[tuple[str, str, int]] = []
        run: list[date] = []
        for d in [*sessions, None]:
            if d is not None and d not in days:
                run.append(d)
                continue
            if run:
                gaps.append((run[0].isoformat(), run[-1].isoformat(), len(run)))
                run = []
        return gaps

    @staticmethod
    def _weekly_drawdowns(net: np.ndarray, first_point: np.ndarray, prev_net: np.ndarray) -> np.ndarray:
        """Worst fall inside each week (≤ 0), the peak starting at the previous week's last equity
        (``first_point``: the position of each week's first point in ``net``)."""
        falls = np.empty(len(first_point))
        for k, (a, b) in enumerate(zip(first_point, np.r_[first_point[1:], len(net)], strict=True)):
            week = net[a:b]
            peak = np.maximum(np.maximum.accumulate(week), prev_net[k])
            falls[k] = np.min(week / peak - 1.0)
        return np.minimum(falls, 0.0)

    def _partial_flags(self, table: pd.DataFrame) -> np.ndarray:
        """True for a first week starting after its first session or a last week ending before its last."""
        from vyapari.market.calendar import get_calendar

        cal = get_calendar(self.exchange)

        def sessions_of_week(day: date) -> list[date]:
            monday = day - timedelta(days=day.weekday())
            return [s.session_date for s in cal.sessions(monday, monday + timedelta(days=6))]

        flags = np.zeros(len(table), dtype=bool)
        first, last = table["first_session"].iloc[0], table["last_session"].iloc[-1]
        first_week, last_week = sessions_of_week(first), sessions_of_week(last)
        # a week with no sessions at all (points only on closed days) is not a trading week
        flags[0] = not first_week or first > first_week[0]
        flags[-1] = flags[-1] or not last_week or last < last_week[-1]
        return flags

    def evaluate(
        self,
        equity: pd.Series,
        charges_paid: pd.Series | None = None,
        trade_pnl: np.ndarray | None = None,
        *,
        charges_known: bool = True,
    ) -> WeeklyEvaluation:
        """The verdict for an equity curve.

        Parameters
        ----------
        equity : pandas.Series
            Net equity (₹, positive) indexed by timestamps (naive = IST).
        charges_paid : pandas.Series, optional
            Cumulative charges paid (₹) by timestamp; gross equity = equity + charges paid.
            Without it gross and net are the same.
        trade_pnl : numpy.ndarray, optional
            Realised P&L (₹) per fill; fills with zero realised P&L (openings) are ignored for
            the per-trade win rate.
        charges_known : bool
            False when the charges behind a net curve are unknown: gross returns are then NaN and
            the gross return criterion is judged on the net return, a lower bound (and says so).
        """
        table = self.weekly_table(equity, charges_paid, charges_known)
        gaps = self.data_gaps(equity)
        gap_notes = [
            f"data gap: {n} session(s) {a} .. {b} have no data (not holidays); the weeks they touch are "
            "flagged and left out" for a, b, n in gaps
        ]
        full = table[~table["partial"]]
        mdd = max_drawdown(as_ist_curve(equity).to_numpy())
        trade_rate = _trade_win_rate(trade_pnl)
        nan = float("nan")
        if len(full) < MIN_FULL_WEEKS:
            crit = [not_enough_weeks(len(full))]
            return WeeklyEvaluation(
                table, nan, nan, mdd, nan, nan, trade_rate, crit, Badge.RED, [crit[0].reason, *gap_notes],
                self.criteria, charges_known, gaps,
            )
        mean_gross, mean_net = float(full["gross_return"].mean()), float(full["net_return"].mean())
        p95 = float(np.percentile(full["drawdown"].to_numpy(), 5, method="linear"))
        crit = judge(self.criteria, mean_gross, mdd, p95, mean_net)
        return WeeklyEvaluation(
            weekly=table,
            mean_weekly_return=mean_gross,
            mean_weekly_net_return=mean_net,
            max_drawdown=mdd,
            p95_weekly_drawdown=p95,
            weekly_win_rate=float((full["net_return"] > 0).mean()),
            trade_win_rate=trade_rate,
            criteria=crit,
            badge=Badge.worst([c.badge for c in crit]),
            notes=gap_notes,
            targets=self.criteria,
            charges_known=charges_known,
            data_gaps=gaps,
        )


def _trade_win_rate(trade_pnl: np.ndarray | None) -> float | None:
    """Share of closing trades (non-zero realised P&L) that made money; None without any."""
    if trade_pnl is None:
        return None
    pnl = np.asarray(trade_pnl, dtype=float)
    closed = pnl[np.isfinite(pnl) & (pnl != 0)]
    return float((closed > 0).mean()) if closed.size else None
