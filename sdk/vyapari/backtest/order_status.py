"""Why each order ended as it did: statuses and reasons from either engine path's arrays.

Every order that did not fill in full carries a reason. A path that rejected an order says why
(``insufficient buying power``, a delivery short, an MIS order after 15:20); an order that simply
did not fill is explained here from the bars, identically for both paths:

* ``volume cap: the bar traded no volume`` — the slippage model fills at most a share of a bar's
  volume (``--slippage volume``) and the bar after the order traded none (index data has none);
* ``volume cap: the bar's volume allowed only part of the order``;
* ``cancelled by the 15:20 IST MIS square-off``;
* ``no later bar of the symbol to fill at (end of the data)``;
* ``limit or trigger price not reached``;
* ``cancelled before it filled (replaced by a newer order or by the strategy)``.

:func:`order_counts` gives the summary's counts by status and by reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from vyapari.execution.pricing import volume_caps

NO_VOLUME = "volume cap: the bar traded no volume"
PART_VOLUME = "volume cap: the bar's volume allowed only part of the order"
SQUARED_OFF = "cancelled by the 15:20 IST MIS square-off"
STATUSES = ("CANCELLED", "FILLED", "PARTIALLY_FILLED", "REJECTED")
END_OF_DATA = "no later bar of the symbol to fill at (end of the data)"
PRICE_NOT_REACHED = "limit or trigger price not reached"
CANCELLED = "cancelled before it filled (replaced by a newer order or by the strategy)"


def order_statuses(result: Any) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(filled, status, reason)`` per order of a :class:`~vyapari.backtest.results.BacktestResult`."""
    o, panel = result.orders, result.panel
    filled = np.zeros(len(o.qty), dtype=np.int64)
    np.add.at(filled, result.fills.order, np.abs(result.fills.qty))
    want = np.abs(o.qty)
    status = np.where(filled == want, "FILLED", np.where(filled > 0, "PARTIALLY_FILLED", "CANCELLED"))
    reasons = list(o.reason) if o.reason else [""] * len(o.qty)
    given = np.array([bool(r) for r in reasons], dtype=bool)
    status = np.where(given & (filled == 0), "REJECTED", status)
    short = np.flatnonzero((filled < want) & ~given)
    if short.size:
        caps: list[np.ndarray] = []  # the volume caps, computed once if some reason needs them

        def cap(t: int, n: int) -> int:
            if not caps:
                caps.append(volume_caps(result.config.slippage, panel.volume))
            return int(caps[0][t, n])

        sq = np.flatnonzero(np.asarray(o.kind) == 1)
        squares = set(zip(np.asarray(o.t)[sq].tolist(), np.asarray(o.n)[sq].tolist(), strict=True))
        types = o.order_type or ["MARKET"] * len(o.qty)
        for i in short.tolist():
            reasons[i] = _why(panel, cap, squares, int(o.t[i]), int(o.n[i]), int(want[i] - filled[i]),
                              int(filled[i]), types[i], result.config.fill_at.value == "same_close")
    return filled, status, reasons


def _why(panel: Any, cap_at: Callable[[int, int], int], squares: set[tuple[int, int]], t: int, n: int,
         left: int, done: int, order_type: str, same_close: bool) -> str:
    """The reason order (``t``, ``n``) left ``left`` shares unfilled after ``done`` filled."""
    rows = np.flatnonzero(panel.valid[t + 1:, n])
    fill_row = t if same_close and order_type == "MARKET" and panel.valid[t, n] else None
    if fill_row is None:
        if rows.size == 0:
            return END_OF_DATA
        fill_row = t + 1 + int(rows[0])
        if (fill_row, n) in squares:
            return SQUARED_OFF
    if order_type != "MARKET" and done == 0:
        return PRICE_NOT_REACHED
    cap = cap_at(fill_row, n)
    if cap == 0 and done == 0:
        return NO_VOLUME
    if cap < left + done:
        return PART_VOLUME
    return CANCELLED


def order_counts(status: np.ndarray, reasons: list[str]) -> dict[str, dict[str, int]]:
    """``{"by_status": {...}, "by_reason": {...}}`` (reasons of orders that did not fill in full)."""
    status = np.asarray(status, dtype=str)
    by_status = {name: int(np.count_nonzero(status == name)) for name in STATUSES}
    if sum(by_status.values()) != status.size:  # a status outside the usual ones: count them all
        names, counts = np.unique(status, return_counts=True)
        by_status = dict(zip(names.tolist(), counts.tolist(), strict=True))
    by_reason = Counter(r for i in np.flatnonzero(status != "FILLED").tolist() if (r := reasons[i]))
    by_status = {k: v for k, v in by_status.items() if v}
    return {"by_status": dict(sorted(by_status.items())), "by_reason": dict(sorted(by_reason.items()))}
