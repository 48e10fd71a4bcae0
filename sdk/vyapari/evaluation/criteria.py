"""The weekly target and how a value earns a badge.

Defaults (overridable from the environment at the edge, :meth:`TargetCriteria.from_env`):
mean weekly **gross** return ≥ 1 % (``TARGET_WEEKLY_RETURN_PCT``), max drawdown ≤ 10 %
(``MAX_DRAWDOWN_PCT``), the 95th-percentile worst weekly drawdown no worse than −3 %
(``P95_WEEKLY_DRAWDOWN_PCT``); amber within ``TOLERANCE_PCT`` (20 %) of a target.
Values are fractions in code (0.01 is 1 %); ``_pct`` appears only at the output edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from vyapari.core.errors import InvalidInput

EPS = 1e-9  # values are compared with targets to a millionth of a percent (binary noise at exact targets)


class Badge(str, Enum):
    """Traffic-light verdict; ``worst`` orders them red < amber < green."""

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
        return float(text)
    except ValueError:
        raise InvalidInput(key, f"{text!r} is not a number") from None


@dataclass(frozen=True)
class TargetCriteria:
    """Targets as fractions: weekly return ≥ ``weekly_return``, drawdown ≤ ``max_drawdown``,
    P95 weekly drawdown ≥ ``p95_weekly_drawdown`` (negative); amber band ``tolerance``."""

    weekly_return: float = 0.01
    max_drawdown: float = 0.10
    p95_weekly_drawdown: float = -0.03
    tolerance: float = 0.20

    def __post_init__(self) -> None:
        if not self.max_drawdown > 0:
            raise InvalidInput("MAX_DRAWDOWN_PCT", f"must be > 0, got {self.max_drawdown * 100:g}")
        if not self.p95_weekly_drawdown < 0:
            raise InvalidInput(
                "P95_WEEKLY_DRAWDOWN_PCT", f"must be < 0, got {self.p95_weekly_drawdown * 100:g}"
            )
        if not 0 <= self.tolerance < 1:
            raise InvalidInput("TOLERANCE_PCT", f"must be in [0, 100), got {self.tolerance * 100:g}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> TargetCriteria:
        """Criteria from ``TARGET_WEEKLY_RETURN_PCT``, ``MAX_DRAWDOWN_PCT``,
        ``P95_WEEKLY_DRAWDOWN_PCT`` and ``TOLERANCE_PCT`` (percent values), defaults otherwise."""
        return cls(
            weekly_return=_env_float(environ, "TARGET_WEEKLY_RETURN_PCT", 1.0) / 100,
            max_drawdown=_env_float(environ, "MAX_DRAWDOWN_PCT", 10.0) / 100,
            p95_weekly_drawdown=_env_float(environ, "P95_WEEKLY_DRAWDOWN_PCT", -3.0) / 100,
            tolerance=_env_float(environ, "TOLERANCE_PCT", 20.0) / 100,
        )

    def return_badge(self, value: float) -> Badge:
        """At least the target: green; within the band below it: amber; else red."""
        target = self.weekly_return
        if value >= target - EPS:
            return Badge.GREEN
        return Badge.AMBER if value >= target - abs(target) * self.tolerance - EPS else Badge.RED

    def drawdown_badge(self, value: float) -> Badge:
        """At most the limit (a positive fraction): green; within the band above it: amber."""
        if value <= self.max_drawdown + EPS:
            return Badge.GREEN
        return Badge.AMBER if value <= self.max_drawdown * (1 + self.tolerance) + EPS else Badge.RED

    def weekly_drawdown_badge(self, value: float) -> Badge:
        """No worse than the floor (negative): green; within the band beyond it: amber."""
        floor = self.p95_weekly_drawdown
        if value >= floor - EPS:
            return Badge.GREEN
        return Badge.AMBER if value >= floor * (1 + self.tolerance) - EPS else Badge.RED
