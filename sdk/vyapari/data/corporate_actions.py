"""Corporate actions: the NSE export's free-text PURPOSE parsed into typed actions, and price adjustment.

A :class:`CorporateAction` carries an exact share multiplier ``ratio`` (a :class:`~fractions.Fraction`):
a face-value split from ₹10 to ₹2 multiplies shares by 5; a ``Bonus 1:1`` (one new share per one held)
multiplies them by 2; ``Bonus 3:2`` by 5/2. Prices before the ex-date are divided by the ratio and
volumes multiplied by it, so an adjusted series is continuous across the event. Dividends (₹ per
share) can optionally adjust by ``1 - D / previous close``. Purposes that are not understood are kept
as kind ``other`` and reported, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction

import numpy as np


class ActionKind(StrEnum):
    """What a corporate action does to the share count or to value."""

    SPLIT = "split"
    BONUS = "bonus"
    DIVIDEND = "dividend"
    OTHER = "other"


@dataclass(frozen=True)
class CorporateAction:
    """One corporate action of ``symbol`` effective on ``ex_date`` (IST session date).

    Attributes
    ----------
    ratio : Fraction or None
        Shares after / shares before (splits and bonuses); ``None`` otherwise.
    amount_inr : Decimal or None
        Dividend per share in ₹.
    purpose : str
        The text this action was parsed from.
    """

    symbol: str
    ex_date: date | None
    kind: ActionKind
    ratio: Fraction | None = None
    amount_inr: Decimal | None = None
    purpose: str = ""
    series: str = "EQ"


_RS = r"(?:rs\.?|re\.?|inr|₹)\s*"
_NUM = r"(\d+(?:\.\d+)?)"
_SPLIT = re.compile(rf"(?:split|sub-?division).*?from\s*{_RS}{_NUM}.*?to\s*{_RS}{_NUM}", re.I)
_BONUS = re.compile(r"bonus\s*(?:issue)?\s*-?\s*(\d+)\s*:\s*(\d+)", re.I)
_DIVIDEND = re.compile(rf"dividend\s*-?\s*{_RS}{_NUM}", re.I)
_PARTS = re.compile(r"/(?!-)|\s+and\s+|;", re.I)


def _exact(text: str) -> Fraction:
    try:
        return Fraction(Decimal(text))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{text!r} is not a number") from None


def _parse_part(part: str) -> tuple[ActionKind, Fraction | None, Decimal | None]:
    if match := _SPLIT.search(part):
        old, new = _exact(match.group(1)), _exact(match.group(2))
        if new > 0 and old > 0:
            return ActionKind.SPLIT, old / new, None
    if match := _BONUS.search(part):
        new_shares, held = int(match.group(1)), int(match.group(2))
        if held > 0:
            return ActionKind.BONUS, Fraction(held + new_shares, held), None
    if match := _DIVIDEND.search(part):
        return ActionKind.DIVIDEND, None, Decimal(match.group(1))
    return ActionKind.OTHER, None, None


def parse_purpose(symbol: str, ex_date: date | None, purpose: str,
                  series: str = "EQ") -> list[CorporateAction]:
    """The typed actions in one PURPOSE text (several when joined by ``/`` or ``and``).

    Examples
    --------
    >>> [a.ratio for a in parse_purpose("X", None, "Bonus 1:1")]
    [Fraction(2, 1)]
    >>> text = "Face Value Split (Sub-Division) - From Rs 10/- Per Share To Rs 2/- Per Share"
    >>> acts = parse_purpose("X", None, text)
    >>> acts[0].kind.value, acts[0].ratio
    ('split', Fraction(5, 1))
    """
    actions = []
    for part in (p.strip() for p in _PARTS.split(purpose)):
        if not part:
            continue
        kind, ratio, amount = _parse_part(part)
        actions.append(CorporateAction(symbol, ex_date, kind, ratio, amount, part, series))
    return actions or [CorporateAction(symbol, ex_date, ActionKind.OTHER, purpose=purpose, series=series)]


def adjustment_factors(
    session_dates: np.ndarray,
    actions: list[CorporateAction],
    closes: np.ndarray | None = None,
    dividends: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Backward adjustment factors for one symbol's bars.

    Parameters
    ----------
    session_dates : numpy.ndarray
        ``datetime64[D]`` session date of each bar, ascending.
    actions : list of CorporateAction
        The symbol's actions; ``other`` kinds and actions without an ex-date are ignored.
    closes : numpy.ndarray, optional
        Raw closes in ₹ (needed for dividend adjustment).
    dividends : bool
        Also adjust for cash dividends (factor ``1 - D / close of the last bar before the ex-date``).

    Returns
    -------
    (price_factor, volume_factor) : tuple of numpy.ndarray
        Multiply raw prices by ``price_factor`` and raw volumes by ``volume_factor``.
    """
    days = np.asarray(session_dates, dtype="datetime64[D]")
    price = np.ones(len(days))
    volume = np.ones(len(days))
    for action in actions:
        if action.ex_date is None:
            continue
        before = days < np.datetime64(action.ex_date, "D")
        if action.ratio is not None and action.kind in (ActionKind.SPLIT, ActionKind.BONUS):
            price[before] *= float(1 / action.ratio)
            volume[before] *= float(action.ratio)
        elif dividends and action.kind is ActionKind.DIVIDEND and closes is not None and before.any():
            last_close = float(closes[np.flatnonzero(before)[-1]])
            if last_close > 0 and action.amount_inr is not None:
                price[before] *= max(0.0, 1.0 - float(action.amount_inr) / last_close)
    return price, volume
