"""The weekly target and how a value earns a badge.

Defaults (overridable from the environment at the edge, :meth:`TargetCriteria.from_env`):
mean weekly **gross** return ≥ 1 % (``TARGET_WEEKLY_RETURN_PCT``), max drawdown ≤ 10 %
(``MAX_DRAWDOWN_PCT``), the 95th-percentile worst weekly drawdown no worse than −3 %
(``P95_WEEKLY_DRAWDOWN_PCT``); amber within ``TOLERANCE_PCT`` (20 %) of a target.
Values are fractions in code (0.01 is 1 %); ``_pct`` appears only at the output edge.

The amber band is relative to the target: with a 20 % tolerance a 1 % return target is amber
from 0.8 % (inclusive) up to 1 % (exclusive), a 10 % drawdown limit is amber above 10 % up to
12 % (inclusive), and a −3 % P95 weekly drawdown floor is amber below −3 % down to −3.6 %
(inclusive). Comparisons allow :data:`EPS` so that a value sitting exactly on a boundary, up to
binary floating-point noise, gets the better badge.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from vyapari.core.errors import InvalidInput

EPS = 1e-9  # a millionth of a percent: binary noise at exact boundaries is not a miss


class Badge(str, Enum):
    """Traffic-light verdict; :meth:`worst` orders them red < amber < green."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @staticmethod
    def worst(badges: list[Badge]) -> Badge:
        """The worst badge of ``badges`` (red if any is red, then amber, else green)."""
        for badge in (Badge.RED, Badge.AMBER):
            if badge in badges:
                return badge
        return Badge.GREEN


def _env_float(environ: Mapping[str, str], key: str, default: float) -> float:
    text = environ.get(key)
    if text is None or text.strip() == "":
        return default
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(key, f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise InvalidInput(key, f"{text!r} is not a finite number")
    return value


@dataclass(frozen=True)
class TargetCriteria:
    """The weekly target, as fractions.

    Attributes
    ----------
    weekly_return : float
        Mean weekly gross return to reach (0.01 = 1 % a week); may be zero or negative.
    max_drawdown : float
        Largest acceptable peak-to-trough fall over the whole curve, positive (0.10 = 10 %).
    p95_weekly_drawdown : float
        Floor for the 5th percentile of the weekly drawdowns, negative (−0.03 = −3 %).
    tolerance : float
        Width of the amber band relative to each target, in [0, 1) (0.20 = 20 %).
    """

    weekly_return: float = 0.01
    max_drawdown: float = 0.10
    p95_weekly_drawdown: float = -0.03
    tolerance: float = 0.20

    def __post_init__(self) -> None:
        if not math.isfinite(self.weekly_return):
            raise InvalidInput("TARGET_WEEKLY_RETURN_PCT", "must be a finite number")
        if not 0 < self.max_drawdown < 1:
            raise InvalidInput("MAX_DRAWDOWN_PCT", f"must be in (0, 100), got {self.max_drawdown * 100:g}")
        if not -1 < self.p95_weekly_drawdown < 0:
            raise InvalidInput(
                "P95_WEEKLY_DRAWDOWN_PCT", f"must be in (-100, 0), got {self.p95_weekly_drawdown * 100:g}"
            )
        if not 0 <= self.tolerance < 1:
            raise InvalidInput("TOLERANCE_PCT", f"must be in [0, 100), got {self.tolerance * 100:g}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> TargetCriteria:
        """Criteria from percent values in ``environ``, defaults for absent or empty keys.

        Reads ``TARGET_WEEKLY_RETURN_PCT`` (1.0), ``MAX_DRAWDOWN_PCT`` (10.0),
        ``P95_WEEKLY_DRAWDOWN_PCT`` (−3.0) and ``TOLERANCE_PCT`` (20). Raises
        :class:`~vyapari.core.errors.InvalidInput` naming the variable when one is not a number or
        is out of range.
        """
        return cls(
            weekly_return=_env_float(environ, "TARGET_WEEKLY_RETURN_PCT", 1.0) / 100,
            max_drawdown=_env_float(environ, "MAX_DRAWDOWN_PCT", 10.0) / 100,
            p95_weekly_drawdown=_env_float(environ, "P95_WEEKLY_DRAWDOWN_PCT", -3.0) / 100,
            tolerance=_env_float(environ, "TOLERANCE_PCT", 20.0) / 100,
        )

    # amber edges: the far side of each band
    @property
    def return_amber_edge(self) -> float:
        """Lowest mean weekly return that is still amber (fraction)."""
        return self.weekly_return - abs(self.weekly_return) * self.tolerance

    @property
    def drawdown_amber_edge(self) -> float:
        """Largest max drawdown that is still amber (positive fraction)."""
        return self.max_drawdown * (1 + self.tolerance)

    @property
    def weekly_drawdown_amber_edge(self) -> float:
        """Worst P95 weekly drawdown that is still amber (negative fraction)."""
        return self.p95_weekly_drawdown * (1 + self.tolerance)

    def return_badge(self, value: float) -> Badge:
        """At least the target: green; down to :attr:`return_amber_edge`: amber; else red."""
        return _badge_at_least(value, self.weekly_return, self.return_amber_edge)

    def drawdown_badge(self, value: float) -> Badge:
        """At most the limit (positive fraction): green; up to :attr:`drawdown_amber_edge`: amber."""
        return _badge_at_least(-value, -self.max_drawdown, -self.drawdown_amber_edge)

    def weekly_drawdown_badge(self, value: float) -> Badge:
        """No worse than the floor (negative): green; down to :attr:`weekly_drawdown_amber_edge`: amber."""
        return _badge_at_least(value, self.p95_weekly_drawdown, self.weekly_drawdown_amber_edge)


def _badge_at_least(value: float, target: float, amber_edge: float) -> Badge:
    """Green when ``value >= target``, amber when ``value >= amber_edge``, else red (NaN is red)."""
    if value >= target - EPS:
        return Badge.GREEN
    if value >= amber_edge - EPS:
        return Badge.AMBER
    return Badge.RED
