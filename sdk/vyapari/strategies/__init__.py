"""Reference strategies built from the SDK's components.

``STRATEGIES`` maps the reference names to factories taking a parameter dict; :func:`make_strategy`
also builds a user's own strategy from an entry point, a module or a file (see
:mod:`vyapari.strategies.loader`).
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
    """Build the strategy ``name`` with ``params``: a reference strategy, an installed entry point,
    ``package.module:Name`` or ``file.py:Name`` (:mod:`vyapari.strategies.loader`);
    ``ValueError`` names bad input."""
    factory = STRATEGIES.get(name)
    if factory is not None:
        return factory(params)
    from vyapari.strategies.loader import load_strategy

    return load_strategy(name, params)
