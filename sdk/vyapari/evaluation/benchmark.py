"""A benchmark for the tear sheet: NIFTY 50's session closes from the lake, when it has them.

The lake stores an index like any symbol; the names looked for, in order, are
:data:`BENCHMARK_SYMBOLS` — first among the minute-bar symbols (the last close of each session),
then in the daily bars. No index in the lake: no benchmark (None), never an error.
"""

from __future__ import annotations

import os
from datetime import date

import pandas as pd

BENCHMARK_SYMBOLS = ("NIFTY50", "NIFTY_50", "NIFTY")
BENCHMARK_NAME = "NIFTY 50"


def lake_benchmark(lake_root: str | os.PathLike[str], exchange: str, start: date, end: date
                   ) -> pd.Series | None:
    """NIFTY 50's closes (index points) by IST session date for ``start..end``, or None."""
    from vyapari.data.lake import Lake

    lake = Lake.at(lake_root)
    minute = set(lake.minute_symbols(exchange))
    for symbol in BENCHMARK_SYMBOLS:
        if symbol in minute:
            bars = lake.read_minute_bars(exchange, symbol, start, end)
            if not bars.empty:
                return _closes(bars)
    for symbol in BENCHMARK_SYMBOLS:
        bars = lake.read_daily_bars(exchange, [symbol], start, end)
        if not bars.empty:
            return _closes(bars)
    return None


def _closes(bars: pd.DataFrame) -> pd.Series:
    """The last close of each IST session date of ``bars`` (``ts`` tz-aware, ``close``)."""
    ts = pd.DatetimeIndex(bars["ts"]).tz_convert("Asia/Kolkata")
    days = ts.tz_localize(None).normalize()
    closes = pd.Series(bars["close"].to_numpy(dtype=float), index=days)
    return closes.groupby(level=0).last().rename(BENCHMARK_NAME)
