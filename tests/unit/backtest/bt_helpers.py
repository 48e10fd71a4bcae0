"""Small hand-made panels on the real NSE calendar for engine tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from vyapari.market.calendar import get_calendar
from vyapari.model.enums import Exchange
from vyapari.strategy.panel import BarPanel, build_panel
from vyapari.strategy.synthetic import random_walk_panel

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


def split_panel(seed: int = 11) -> BarPanel:
    """Two random-walk sessions of 3 symbols; symbol 0 splits 5:1 at the second session (its raw
    prices fall 5× on the paisa, its volumes rise 5×)."""
    from fractions import Fraction

    from vyapari.data.corporate_actions import ActionKind, CorporateAction
    from vyapari.strategy.actions import with_corporate_actions
    from vyapari.strategy.synthetic import random_walk_panel

    panel = random_walk_panel(symbols=3, sessions=2, bars_per_session=375, seed=seed)
    later = panel.session == 1
    prices = {}
    for field in ("open", "high", "low", "close"):
        values = getattr(panel, field).copy()
        values[later, 0] = np.round(values[later, 0] / 5, 2)
        prices[field] = values
    volume = panel.volume.copy()
    volume[later, 0] *= 5
    raw = panel.with_arrays(**prices, volume=volume)
    ex = panel.session_dates[1].astype("datetime64[D]").item()
    symbol = panel.symbols[0]
    split = CorporateAction(symbol, ex, ActionKind.SPLIT, ratio=Fraction(5))
    return with_corporate_actions(raw, {symbol: [split]})


def write_bar_folder(folder: Path, symbols: int, sessions: int, seed: int) -> Path:
    """A seeded random-walk panel written as ``<SYMBOL>.parquet`` files (``ts`` IST, ₹, shares):
    what ``vyapari backtest --data`` reads."""
    panel = random_walk_panel(symbols, sessions, seed=seed)
    ts = pd.DatetimeIndex(pd.to_datetime(panel.ts, utc=True)).tz_convert("Asia/Kolkata")
    folder.mkdir()
    for j, symbol in enumerate(panel.symbols):
        pd.DataFrame({"ts": ts, "open": panel.open[:, j], "high": panel.high[:, j], "low": panel.low[:, j],
                      "close": panel.close[:, j], "volume": panel.volume[:, j].astype("int64")}
                     ).to_parquet(folder / f"{symbol}.parquet", index=False)
    return folder
