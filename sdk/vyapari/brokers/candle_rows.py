"""Brokers' raw candle rows ``[timestamp, open, high, low, close, volume(, oi)]`` as one frame.

Kite (``2015-12-28T09:15:00+0530``) and Upstox (``2023-10-19T15:15:00+05:30``) both send ISO
timestamps with an offset labelling the bar's START; parsing them in one vectorised call instead of
one ``dateutil`` call per bar (the SDK's way, about half a millisecond each) keeps a long history
fetch bound by the broker's rate limit, not by our CPU.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from vyapari.core.time import IST

CANDLE_COLUMNS = ("ts", "open", "high", "low", "close", "volume")


def candle_rows_frame(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """``ts`` (tz-aware IST, bar start), ``open``/``high``/``low``/``close`` (₹ float), ``volume`` (int),
    sorted by ``ts`` (Upstox sends newest first)."""
    if not rows:
        return pd.DataFrame({"ts": pd.Series([], dtype="datetime64[ns, Asia/Kolkata]"),
                             **{c: np.empty(0) for c in CANDLE_COLUMNS[1:5]},
                             "volume": np.empty(0, dtype=np.int64)})
    columns = list(zip(*rows, strict=False))
    text = pd.Series(columns[0], dtype=object)
    try:  # both brokers' form; several times faster than format="ISO8601" on Kite's "+0530"
        parsed = pd.to_datetime(text, format="%Y-%m-%dT%H:%M:%S%z", utc=True)
    except ValueError:
        parsed = pd.to_datetime(text, format="ISO8601", utc=True)
    ts = parsed.dt.tz_convert(IST)
    frame = pd.DataFrame({"ts": ts, **{c: np.asarray(columns[i + 1], dtype=np.float64)
                                       for i, c in enumerate(CANDLE_COLUMNS[1:5])},
                          "volume": np.asarray(columns[5], dtype=np.float64).astype(np.int64)})
    return frame.sort_values("ts", kind="stable").reset_index(drop=True)
