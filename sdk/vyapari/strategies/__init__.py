"""Reference strategies built from the SDK's components.

``STRATEGIES`` maps the names the CLI accepts to factories taking a parameter dict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the SDK (numpy) loads with a strategy, not for the CLI's --help choices
    from vyapari.strategy.strategy import Strategy

StrategyFactory = Callable[[Mapping[str, Any]], "Strategy"]


def _sma_cross(params: Mapping[str, Any]) -> Strategy:
    from vyapari.strategies.sma_cross import SmaCross

    return SmaCross.from_params(params)


def _sma_cross_bar(params: Mapping[str, Any]) -> Strategy:
    from vyapari.strategies.sma_cross import SmaCrossPerBar

    return SmaCrossPerBar.from_params(params)


def _vwap_reversion(params: Mapping[str, Any]) -> Strategy:
    from vyapari.strategies.vwap_reversion import VwapReversion

    return VwapReversion(**params)


def _orb_momentum(params: Mapping[str, Any]) -> Strategy:
    from vyapari.strategies.orb_momentum import OrbMomentum

    return OrbMomentum(**params)


def _pairs(params: Mapping[str, Any]) -> Strategy:
    from vyapari.strategies.pairs import Pairs

    return Pairs(**params)


STRATEGIES: dict[str, StrategyFactory] = {
    "vwap_reversion": _vwap_reversion,
    "orb_momentum": _orb_momentum,
    "pairs": _pairs,
    "sma_cross": _sma_cross,
    "sma_cross_bar": _sma_cross_bar,
}


def make_strategy(name: str, params: Mapping[str, Any]) -> Strategy:
    """Build the reference strategy ``name`` with ``params``; ``ValueError`` names bad input."""
    try:
        factory = STRATEGIES[name]
    except KeyError:
        raise ValueError(
            f"--strategy: unknown strategy {name!r} (choose from {', '.join(STRATEGIES)})"
        ) from None
    return factory(params)
