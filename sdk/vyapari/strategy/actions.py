"""Corporate actions on a raw-price panel, settled the way brokers settle them.

Fills stay at as-traded (raw) prices, lot and tick sizes as traded. On a split's or bonus's
ex-date an open position's quantity is multiplied by the ratio and its average price divided by
it; a cash dividend (₹ per share) is credited on the position held at its ex-date. A run over
raw prices therefore never books the fake loss of a price that drops 5× at a 5:1 split.

:func:`with_corporate_actions` attaches the actions to a panel (``share_ratio`` and
``cash_per_share``, applied at the symbol's first bar on or after the ex-date);
:func:`signal_panel` gives strategies the same bars in the shares of the run's first session
(prices × the cumulative ratio, volumes ÷ it), so a split is not a signal and a quantity the
strategy asks for is in those shares: the engines multiply targets by the cumulative ratio.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from vyapari.data.corporate_actions import ActionKind, CorporateAction
from vyapari.strategy.panel import PRICE_COLUMNS, BarPanel


def with_corporate_actions(
    panel: BarPanel, actions: Mapping[str, Sequence[CorporateAction]], *, held_before: bool = False
) -> BarPanel:
    """``panel`` with the splits, bonuses and cash dividends of ``actions`` (by symbol) attached.

    An action counts when the symbol has a bar before its ex-date and one on or after it; it is
    applied at the first bar on or after the ex-date. With ``held_before`` (a replay of one day
    whose account carries positions from earlier days) an action whose ex-date is the panel's
    first session counts too, at that session's first bar. Other kinds are ignored.
    """
    t_count, n_count = panel.shape
    ratio = np.ones((t_count, n_count))
    cash = np.zeros((t_count, n_count))
    days = panel.session_dates[panel.session].astype("datetime64[D]")
    for n, symbol in enumerate(panel.symbols):
        rows = np.flatnonzero(panel.valid[:, n])
        if rows.size == 0:
            continue
        for action in actions.get(symbol, ()):
            if action.ex_date is None:
                continue
            ex = np.datetime64(action.ex_date, "D")
            after = rows[days[rows] >= ex]
            first_day = held_before and after.size > 0 and after[0] == rows[0] and days[rows[0]] == ex
            if after.size == 0 or (after[0] == rows[0] and not first_day):
                continue
            t = int(after[0])
            if action.kind in (ActionKind.SPLIT, ActionKind.BONUS) and action.ratio is not None:
                ratio[t, n] *= float(action.ratio)
            elif action.kind is ActionKind.DIVIDEND and action.amount_inr is not None:
                cash[t, n] += float(action.amount_inr)
    if np.all(ratio == 1.0) and not cash.any():
        return panel
    return panel.with_arrays(share_ratio=ratio, cash_per_share=cash)


def cumulative_ratio(panel: BarPanel) -> np.ndarray:
    """``[T, N]`` shares now per share of the run's first session (1 without actions)."""
    return np.cumprod(panel.ratios, axis=0)


def signal_panel(panel: BarPanel) -> BarPanel:
    """The bars a strategy reads: prices and volumes in the run's first-session shares."""
    if not panel.has_actions or np.all(panel.share_ratio == 1.0):
        return panel
    cum = cumulative_ratio(panel)
    arrays = {c: getattr(panel, c) * cum for c in PRICE_COLUMNS}
    return panel.with_arrays(**arrays, volume=panel.volume / cum)


def settled_targets(
    target_quantities: Callable[[BarPanel, float], np.ndarray], panel: BarPanel, capital: float
) -> np.ndarray:
    """Targets ``[T, N]`` in shares as traded: computed on :func:`signal_panel` (first-session
    shares), then multiplied by the cumulative ratio (whole shares, toward zero)."""
    targets = target_quantities(signal_panel(panel), capital)
    if not panel.has_actions:
        return targets
    return np.trunc(targets * cumulative_ratio(panel)).astype(np.int64)


def adjusted_rows(values: np.ndarray, factor: np.ndarray, now: np.ndarray, field: str) -> np.ndarray:
    """Rows ``values`` ``[k, N]`` of ``field`` in the shares of now: prices × ``factor`` ÷ ``now``,
    volumes ÷ ``factor`` × ``now`` (``factor`` ``[k, N]``: each row's cumulative ratio, ``now``
    ``[N]``: the current row's), so a split is no jump and the newest row stays as traded."""
    scale = factor / now
    return values / scale if field == "volume" else values * scale
