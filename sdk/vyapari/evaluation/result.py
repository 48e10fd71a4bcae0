"""The evaluation result: per-criterion verdicts with reasons, headline figures and the weekly table.

Figures are fractions in code; :meth:`WeeklyEvaluation.to_dict` is the output edge where they
become percentages (``_pct`` keys, rounded to 4 decimals, NaN as ``null``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from vyapari.evaluation.criteria import Badge, TargetCriteria

MIN_FULL_WEEKS = 2

#: The basis of each criterion. The product target is a mean weekly **gross** return (before
#: charges: the strategy's edge); drawdowns are what the account lives through, so they are judged
#: on **net** equity (after charges).
BASES = {"mean_weekly_gross_return": "gross", "max_drawdown": "net", "p95_weekly_drawdown": "net"}

# columns of the weekly table (fractions); ``week`` is the ISO week "YYYY-Www"
WEEKLY_COLUMNS = (
    "week",
    "first_session",
    "last_session",
    "sessions",
    "gross_return",
    "net_return",
    "drawdown",
    "partial",
    "missing_sessions",
    "after_gap",
)


def _pct(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(x * 100, 4)


@dataclass(frozen=True)
class Criterion:
    """One criterion's verdict.

    ``value`` and ``target`` are fractions, except for the ``full_weeks`` criterion of an
    evaluation with too few full weeks, where they are counts (``is_fraction`` is False).
    """

    name: str
    value: float
    target: float
    badge: Badge
    reason: str
    is_fraction: bool = True
    basis: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Output form: ``value`` and ``target`` in percent (counts stay counts); ``basis`` says
        whether the value is gross or net of charges."""
        scale = _pct if self.is_fraction else (lambda x: x)
        out = {
            "name": self.name,
            "value": scale(self.value),
            "target": scale(self.target),
            "badge": self.badge.value,
            "reason": self.reason,
        }
        return {**out, "basis": self.basis} if self.basis else out


@dataclass(frozen=True)
class WeeklyEvaluation:
    """The verdict of an equity curve against a :class:`TargetCriteria`.

    Attributes
    ----------
    weekly : pandas.DataFrame
        One row per ISO week with :data:`WEEKLY_COLUMNS` (returns and drawdown as fractions;
        drawdown ≤ 0). Partial weeks are listed but excluded from every figure below except
        ``max_drawdown``, which is over the whole curve.
    mean_weekly_return, mean_weekly_net_return : float
        Mean of the full weeks' gross / net returns (fraction; NaN with too few full weeks).
    max_drawdown : float
        Largest peak-to-trough fall of the net curve (positive fraction).
    p95_weekly_drawdown : float
        5th percentile (numpy ``linear``) of the full weeks' drawdowns (negative fraction).
    weekly_win_rate : float
        Share of full weeks with a positive net return (fraction).
    trade_win_rate : float or None
        Share of closing trades (non-zero realised P&L) that made money; None without trades.
    criteria : list of Criterion
        Three criteria, or the single ``full_weeks`` criterion when fewer than
        :data:`MIN_FULL_WEEKS` full weeks exist (the distinct "not enough full weeks" state,
        :attr:`enough_weeks` False, overall badge red).
    badge : Badge
        The worst badge of ``criteria``.
    """

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
    targets: TargetCriteria = field(default_factory=TargetCriteria)
    charges_known: bool = True
    data_gaps: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def full_weeks(self) -> pd.DataFrame:
        """The weeks the criteria use (not partial)."""
        return self.weekly[~self.weekly["partial"].astype(bool)]

    @property
    def enough_weeks(self) -> bool:
        """Whether there were at least :data:`MIN_FULL_WEEKS` full weeks to judge."""
        return len(self.full_weeks) >= MIN_FULL_WEEKS

    def weekly_records(self) -> list[dict[str, Any]]:
        """The weekly table as output records (dates ISO, figures in percent)."""
        return [
            {
                "week": row.week,
                "first_session": row.first_session.isoformat(),
                "last_session": row.last_session.isoformat(),
                "sessions": int(row.sessions),
                "gross_return_pct": _pct(float(row.gross_return)),
                "net_return_pct": _pct(float(row.net_return)),
                "drawdown_pct": _pct(float(row.drawdown)),
                "partial": bool(row.partial),
                "missing_sessions": int(row.missing_sessions),
                "after_gap": bool(row.after_gap),
            }
            for row in self.weekly.itertuples(index=False)
        ]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by ``vyapari evaluate --json`` (percent values, ``null`` for NaN)."""
        return {
            "weeks": len(self.full_weeks),
            "enough_weeks": self.enough_weeks,
            "partial_weeks": self.weekly.loc[self.weekly["partial"].astype(bool), "week"].tolist(),
            "bases": {**BASES, "weekly_win_rate": "net",
                      "charges": "known" if self.charges_known else "unknown (gross not computable)"},
            "mean_weekly_return_pct": _pct(self.mean_weekly_return),
            "mean_weekly_gross_return_pct": _pct(self.mean_weekly_return),
            "mean_weekly_net_return_pct": _pct(self.mean_weekly_net_return),
            "max_drawdown_pct": _pct(self.max_drawdown),
            "p95_weekly_drawdown_pct": _pct(self.p95_weekly_drawdown),
            "weekly_win_rate_pct": _pct(self.weekly_win_rate),
            "trade_win_rate_pct": _pct(self.trade_win_rate),
            "criteria": [c.to_dict() for c in self.criteria],
            "badge": self.badge.value,
            "notes": list(self.notes),
            "data_gaps": [
                {"first_missing": a, "last_missing": b, "sessions": n} for a, b, n in self.data_gaps
            ],
            "weekly": self.weekly_records(),
        }


def _criterion(
    name: str, value: float, target: float, badge: Badge, words: tuple[str, str, str]
) -> Criterion:
    """A criterion whose reason is ``label value`` then the met words or the missed words + band."""
    label, met, missed = words
    reason = f"{label} {value:.2%} " + (met if badge is Badge.GREEN else missed)
    return Criterion(name, value, target, badge, reason)


def _missed(badge: Badge, what: str, tolerance: float, edge: str) -> str:
    band = f"the {tolerance * 100:g}% tolerance band ({edge})"
    return f"{what} but within {band}" if badge is Badge.AMBER else f"{what} and outside {band}"


def judge(
    targets: TargetCriteria, mean_gross: float, max_drawdown: float, p95_weekly: float,
    mean_net: float | None = None,
) -> list[Criterion]:
    """The three criteria with their badges and reasons in words.

    E.g. "mean weekly gross return 0.85% is below the 1.00% target but within the 20% tolerance
    band (≥ 0.80%)".
    """
    t = targets
    gross_label = "mean weekly gross return"
    if mean_net is not None and not math.isfinite(mean_gross):
        # charges unknown: the net return is a lower bound of the gross one (charges are >= 0)
        mean_gross = mean_net
        gross_label = "mean weekly gross return unknown (no charges given); net, a lower bound,"
    ret, limit = f"the {t.weekly_return:.2%} target", f"the {t.max_drawdown:.2%} limit"
    floor = f"the {t.p95_weekly_drawdown:.2%} floor"
    # name, label, value, target, badge, met words, missed words, amber edge
    specs = [
        ("mean_weekly_gross_return", gross_label, mean_gross, t.weekly_return,
         t.return_badge(mean_gross), f"meets {ret}", f"is below {ret}", f"≥ {t.return_amber_edge:.2%}"),
        ("max_drawdown", "max drawdown (net)", max_drawdown, t.max_drawdown,
         t.drawdown_badge(max_drawdown), f"is within {limit}", f"is above {limit}",
         f"≤ {t.drawdown_amber_edge:.2%}"),
        ("p95_weekly_drawdown", "P95 weekly drawdown (net)", p95_weekly, t.p95_weekly_drawdown,
         t.weekly_drawdown_badge(p95_weekly), f"is no worse than {floor}", f"is worse than {floor}",
         f"≥ {t.weekly_drawdown_amber_edge:.2%}"),
    ]  # fmt: skip
    out = []
    for name, label, value, target, badge, met, missed, edge in specs:
        c = _criterion(name, value, target, badge, (label, met, _missed(badge, missed, t.tolerance, edge)))
        basis = "net (lower bound of gross)" if "unknown" in label else BASES[name]
        out.append(Criterion(c.name, c.value, c.target, c.badge, c.reason, c.is_fraction, basis))
    return out


def not_enough_weeks(full_weeks: int) -> Criterion:
    """The single red criterion of an evaluation with fewer than :data:`MIN_FULL_WEEKS` full weeks."""
    reason = (
        f"not enough full weeks: {full_weeks} (at least {MIN_FULL_WEEKS} are needed to judge a weekly target)"
    )
    return Criterion("full_weeks", float(full_weeks), float(MIN_FULL_WEEKS), Badge.RED, reason, False)
