"""The :class:`WeeklyTargetEvaluator`: is a strategy meeting its weekly target?

Weeks are Indian trading weeks: the sessions of one ISO week (Monday–Sunday, so the Sunday
budget session of 2026-02-01 belongs to the week of Monday 2026-01-26), from the exchange
calendar, so holidays shorten a week without breaking it. A week's return is its last
equity over the previous week's last equity (the first week: over the first point). The
first or last week of a curve that starts after the week's first session or ends before
its last session is **partial**: flagged, shown, and left out of the criteria.

The weekly drawdown is the worst peak-to-trough fall inside the week, the peak starting at
the previous week's close. The P95 weekly drawdown is the 5th percentile (numpy's
``linear`` method) of the full weeks' drawdowns, i.e. 95 % of weeks fell less than it.
Gross equity adds back the charges paid up to each point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from vyapari.core.time import IST
from vyapari.evaluation.criteria import Badge, TargetCriteria
from vyapari.model.enums import Exchange


@dataclass(frozen=True)
class Criterion:
    """One criterion's verdict; ``value`` and ``target`` are fractions."""

    name: str
    value: float
    target: float
    badge: Badge
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Output form (percent values)."""
        return {
            "name": self.name,
            "value": round(self.value * 100, 4),
            "target": round(self.target * 100, 4),
            "badge": self.badge.value,
            "reason": self.reason,
        }


@dataclass
class WeeklyEvaluation:
    """The verdict: weekly table, headline figures (fractions), criteria and the overall badge."""

    weekly: pd.DataFrame
    mean_weekly_return: float
    mean_weekly_net_return: float
    max_drawdown: float
    p95_weekly_drawdown: float
    weekly_win_rate: float
    trade_win_rate: float | None
    criteria: list[Criterion]
    badge: Badge
    notes: list[str] = field(default_factory=list)

    @property
    def full_weeks(self) -> pd.DataFrame:
        """Weeks used by the criteria."""
        return self.weekly[~self.weekly["partial"]]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by ``vyapari evaluate --json``."""

        def pct(x: float | None) -> float | None:
            return None if x is None or not np.isfinite(x) else round(x * 100, 4)

        weekly = self.weekly.assign(
            first_session=self.weekly["first_session"].astype(str),
            last_session=self.weekly["last_session"].astype(str),
            gross_return_pct=(self.weekly["gross_return"] * 100).round(4),
            net_return_pct=(self.weekly["net_return"] * 100).round(4),
            drawdown_pct=(self.weekly["drawdown"] * 100).round(4),
        ).drop(columns=["gross_return", "net_return", "drawdown"])
        return {
            "weeks": len(self.full_weeks),
            "partial_weeks": self.weekly.loc[self.weekly["partial"], "week"].tolist(),
            "mean_weekly_return_pct": pct(self.mean_weekly_return),
            "mean_weekly_net_return_pct": pct(self.mean_weekly_net_return),
            "max_drawdown_pct": pct(self.max_drawdown),
            "p95_weekly_drawdown_pct": pct(self.p95_weekly_drawdown),
            "weekly_win_rate_pct": pct(self.weekly_win_rate),
            "trade_win_rate_pct": pct(self.trade_win_rate),
            "criteria": [c.to_dict() for c in self.criteria],
            "badge": self.badge.value,
            "notes": self.notes,
            "weekly": weekly.to_dict(orient="records"),
        }


def _iso_week(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def max_drawdown(values: np.ndarray) -> float:
    """Largest peak-to-trough fall of ``values`` as a positive fraction (0 if none)."""
    if values.size == 0:
        return 0.0
    peaks = np.maximum.accumulate(values)
    return float(np.max(1.0 - values / peaks))


class WeeklyTargetEvaluator:
    """Evaluate an equity curve (₹, tz-aware timestamps) week by week against :class:`TargetCriteria`."""

    def __init__(self, criteria: TargetCriteria | None = None, exchange: Exchange = Exchange.NSE) -> None:
        self.criteria = criteria or TargetCriteria()
        self.exchange = exchange

    def weekly_table(self, equity: pd.Series, charges_paid: pd.Series | None = None) -> pd.DataFrame:
        """One row per ISO week: sessions, first/last session, gross and net return, drawdown, partial."""
        from vyapari.market.calendar import get_calendar

        net = equity.sort_index()
        gross = net + (
            charges_paid.reindex(net.index).ffill().fillna(0.0) if charges_paid is not None else 0.0
        )
        days = pd.Index([ts.date() for ts in net.index.tz_convert(IST)])
        weeks = [_iso_week(d) for d in days]
        cal = get_calendar(self.exchange)
        sessions = [
            s.session_date
            for s in cal.sessions(days[0] - pd.Timedelta(days=7), days[-1] + pd.Timedelta(days=7))
        ]
        rows = []
        prev_net, prev_gross = float(net.iloc[0]), float(gross.iloc[0])
        order = list(dict.fromkeys(weeks))
        for i, week in enumerate(order):
            mask = np.array([w == week for w in weeks])
            n, g = net.to_numpy()[mask], gross.to_numpy()[mask]
            seen = sorted(set(days[mask]))
            in_week = [s for s in sessions if _iso_week(s) == week]
            partial = (i == 0 and seen[0] > in_week[0]) or (i == len(order) - 1 and seen[-1] < in_week[-1])
            rows.append(
                {
                    "week": week,
                    "first_session": seen[0],
                    "last_session": seen[-1],
                    "sessions": len(seen),
                    "gross_return": g[-1] / prev_gross - 1.0,
                    "net_return": n[-1] / prev_net - 1.0,
                    "drawdown": -max_drawdown(np.concatenate(([prev_net], n))),
                    "partial": bool(partial),
                }
            )
            prev_net, prev_gross = float(n[-1]), float(g[-1])
        return pd.DataFrame(rows)

    def evaluate(
        self, equity: pd.Series, charges_paid: pd.Series | None = None, trade_pnl: np.ndarray | None = None
    ) -> WeeklyEvaluation:
        """The verdict for ``equity`` (₹ by time), ``charges_paid`` (cumulative ₹) and closed trades' P&L."""
        table = self.weekly_table(equity, charges_paid)
        full = table[~table["partial"]]
        mdd = max_drawdown(equity.sort_index().to_numpy(dtype=float))
        trade_rate = None
        if trade_pnl is not None:
            closed = trade_pnl[trade_pnl != 0]
            trade_rate = float((closed > 0).mean()) if closed.size else None
        if len(full) < 2:
            reason = f"not enough full weeks: {len(full)} (at least 2 are needed to judge a weekly target)"
            crit = [Criterion("full_weeks", float(len(full)), 2.0, Badge.RED, reason)]
            return WeeklyEvaluation(
                table, np.nan, np.nan, mdd, np.nan, np.nan, trade_rate, crit, Badge.RED, [reason]
            )
        mean_gross, mean_net = float(full["gross_return"].mean()), float(full["net_return"].mean())
        p95 = float(np.percentile(full["drawdown"].to_numpy(), 5, method="linear"))
        crit = self._criteria(mean_gross, mdd, p95)
        return WeeklyEvaluation(
            table,
            mean_gross,
            mean_net,
            mdd,
            p95,
            float((full["net_return"] > 0).mean()),
            trade_rate,
            crit,
            Badge.worst([c.badge for c in crit]),
        )

    def _criteria(self, mean_gross: float, mdd: float, p95: float) -> list[Criterion]:
        c = self.criteria
        band = f"{c.tolerance * 100:g}% tolerance band"
        b1, b2, b3 = c.return_badge(mean_gross), c.drawdown_badge(mdd), c.weekly_drawdown_badge(p95)
        words = {
            Badge.GREEN: "meets",
            Badge.AMBER: "misses, but within the " + band + " of,",
            Badge.RED: "misses",
        }
        return [
            Criterion(
                "mean_weekly_gross_return",
                mean_gross,
                c.weekly_return,
                b1,
                f"mean weekly gross return {mean_gross:.2%} {words[b1]} the ≥ {c.weekly_return:.2%} target",
            ),
            Criterion(
                "max_drawdown",
                mdd,
                c.max_drawdown,
                b2,
                f"max drawdown {mdd:.2%} {words[b2]} the ≤ {c.max_drawdown:.2%} limit",
            ),
            Criterion(
                "p95_weekly_drawdown",
                p95,
                c.p95_weekly_drawdown,
                b3,
                f"P95 weekly drawdown {p95:.2%} {words[b3]} the ≥ {c.p95_weekly_drawdown:.2%} floor",
            ),
        ]
