"""Refuse, by name, a run that could only trade nothing for lack of traded volume.

Index bars carry no volume: a strategy that reads volume (``needs_volume``) would never trade,
and a slippage model that caps fills at a share of bar volume would cancel every order. The
backtest and the live replay both check their panel here before the first bar.
"""

from __future__ import annotations

import numpy as np

from vyapari.core.errors import DataError, InvalidInput
from vyapari.costs.slippage import SlippageModel
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.strategy import Strategy


def volumeless_symbols(panel: BarPanel) -> list[str]:
    """Symbols whose every bar in ``panel`` traded zero volume (index bars carry none)."""
    volume = np.where(panel.valid, np.nan_to_num(panel.volume), 0.0)
    return [s for s, total in zip(panel.symbols, volume.sum(axis=0).tolist(), strict=True) if total <= 0]


def check_volume(
    strategy: Strategy, panel: BarPanel, slippage: SlippageModel | None = None, empty: list[str] | None = None
) -> None:
    """Refuse ``strategy`` on ``panel`` when some symbol traded nothing in any bar (``empty``: the
    panel's :func:`volumeless_symbols` when already known).

    Raises
    ------
    DataError
        ``strategy`` reads volume (``needs_volume``) and some symbol has none in any bar.
    InvalidInput
        (``--slippage``) ``slippage`` caps fills at a share of bar volume and some symbol has
        none: every order of it would be cancelled.
    """
    empty = volumeless_symbols(panel) if empty is None else empty
    if not empty:
        return
    names = ", ".join(empty[:5]) + (f" and {len(empty) - 5} more" if len(empty) > 5 else "")
    if strategy.needs_volume:
        raise DataError(
            f"strategy {strategy.name} needs traded volume, and {names} traded zero volume in every bar "
            "(index bars carry none): run it on stocks' bars"
        )
    if slippage is not None and not getattr(slippage, "volume_free", True):
        raise InvalidInput(
            "--slippage",
            f"volume caps each fill at a share of the bar's volume, and {names} traded zero volume in "
            "every bar: every order would be cancelled; use none or bps:N",
        )
