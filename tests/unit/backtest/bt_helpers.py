"""Small hand-made panels on the real NSE calendar for engine tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from vyapari.market.calendar import get_calendar
from vyapari.model.enums import Exchange
from vyapari.strategy.panel import BarPanel, build_panel

SESSION = date(2025, 9, 10)


def minute_times(session: date = SESSION, start: int = 0, count: int = 10) -> pd.DatetimeIndex:
    """``count`` bar starts from minute ``start`` of the session (09:15 + start)."""
    grid = get_calendar(Exchange.NSE).minute_grid(session)
    return grid[start : start + count]


def frame(rows: Sequence[tuple[float, float, float, float, float]], times: pd.DatetimeIndex) -> pd.DataFrame:
    """A bar frame from ``(open, high, low, close, volume)`` rows."""
    arr = np.asarray(rows, dtype=float)
    return pd.DataFrame(
        {
            "ts": times[: len(arr)],
            "open": arr[:, 0],
            "high": arr[:, 1],
            "low": arr[:, 2],
            "close": arr[:, 3],
            "volume": arr[:, 4],
        }
    )


def panel_of(**frames: pd.DataFrame) -> BarPanel:
    """Align frames given as keyword ``SYMBOL=frame``."""
    return build_panel(frames, get_calendar(Exchange.NSE).session_bounds)


def flat_bars(count: int, price: float = 100.0, volume: float = 1_000_000) -> list[tuple[float, ...]]:
    """``count`` identical bars."""
    return [(price, price, price, price, volume)] * count
