"""Rules both engine paths share, computed once on the panel as arrays.

Square-off (MIS): positions are closed at the **open** of a symbol's first bar starting at
or after 15:20 IST in a session; if a symbol has no such bar that session (daily bars), at
the **close** of its last bar of the session. After 15:20 no new MIS orders are placed.
The square-off is a market order that ignores the volume cap (a broker's auto square-off);
the paper broker fills the live engine's square-off orders the same way
(:mod:`vyapari.execution.limits`).

One difference from live trading remains by design: a symbol with **no bar at/after 15:20**
in a session is squared off here at the close of its last bar, which the backtest knows is
the last. The live engine cannot know that: it places the square-off once the clock reaches
15:20, and the paper broker, which fills only against bars, fills it at the symbol's next
bar (the next session's first, as an ordinary order under the volume cap). Pinned by
``tests/integration/live/test_parity_limits.py``.

Fill prices and volume caps live in :mod:`vyapari.execution.pricing`, shared with the
paper broker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vyapari.core.time_arrays import minute_of_day_ist
from vyapari.execution.limits import SQUAREOFF_MINUTE
from vyapari.strategy.panel import BarPanel

__all__ = ["SQUAREOFF_MINUTE", "SquareOffPlan", "squareoff_plan"]


@dataclass(frozen=True, eq=False)
class SquareOffPlan:
    """``after[T]``: the slice starts at/after 15:20 IST; ``at_open``/``at_close`` ``[T, N]``."""

    after: np.ndarray
    at_open: np.ndarray
    at_close: np.ndarray


def squareoff_plan(panel: BarPanel) -> SquareOffPlan:
    """Where MIS positions are squared off (see the module docstring)."""
    after = minute_of_day_ist(panel.ts) >= SQUAREOFF_MINUTE
    t_count, n_count = panel.shape
    at_open = np.zeros((t_count, n_count), dtype=bool)
    at_close = np.zeros((t_count, n_count), dtype=bool)
    session = panel.session
    for n in range(n_count):
        rows = np.flatnonzero(panel.valid[:, n])
        if rows.size == 0:
            continue
        sess = session[rows]
        late = rows[after[rows]]
        if late.size:
            late_sess, first = np.unique(session[late], return_index=True)
            at_open[late[first], n] = True
        else:
            late_sess = np.empty(0, dtype=session.dtype)
        last_of_session = np.append(sess[1:] != sess[:-1], True)
        ends = rows[last_of_session]
        at_close[ends[~np.isin(session[ends], late_sess)], n] = True
    return SquareOffPlan(after=after, at_open=at_open, at_close=at_close)
