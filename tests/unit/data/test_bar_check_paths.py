"""``check_bars``: a clean broker frame (checked in array passes) keeps exactly what the row-by-row
path keeps, and one doubtful row sends the frame down that path, which names it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from vyapari.data.bar_sessions import check_bars
from vyapari.data.rejections import RowProblem
from vyapari.market.calendar import get_calendar


def _frame(day: date, minutes: int = 30) -> pd.DataFrame:
    ts = get_calendar("NSE").minute_grid(day)[:minutes]
    close = 100 + np.arange(minutes) * 0.05
    return pd.DataFrame({"symbol": "TCS", "ts": ts, "open": close, "high": close + 0.5, "low": close - 0.5,
                         "close": close, "volume": np.arange(minutes, dtype=np.float64) + 0.4,
                         "line": np.arange(1, minutes + 1)})


def test_a_clean_frame_and_the_same_frame_with_a_bad_row_keep_the_same_bars() -> None:
    clean = _frame(date(2025, 7, 15))
    fast = check_bars(clean, "NSE", daily=False)
    bad_row = clean.iloc[[3]].assign(low=1e9, line=999)  # low above the close
    slow = check_bars(pd.concat([clean, bad_row], ignore_index=True), "NSE", daily=False)
    assert fast.dropped == []
    assert [(i.line, i.problem) for i in slow.dropped] == [(999, RowProblem.OHLC_INCONSISTENT)]
    pd.testing.assert_frame_equal(fast.bars, slow.bars)
    assert fast.bars["volume"].tolist() == list(range(30))  # rounded to whole shares


def test_unsorted_nan_and_off_grid_rows_are_not_taken_as_clean() -> None:
    clean = _frame(date(2025, 7, 15))
    nan = clean.assign(close=clean["close"].where(clean.index != 5))
    off_grid = clean.assign(ts=clean["ts"].where(clean.index != 7, clean["ts"] + pd.Timedelta(seconds=30)))
    shuffled = clean.iloc[::-1]
    assert [i.line for i in check_bars(nan, "NSE", daily=False).dropped] == [6]
    assert [i.line for i in check_bars(off_grid, "NSE", daily=False).dropped] == [8]
    again = check_bars(shuffled, "NSE", daily=False)
    assert again.dropped == [] and again.bars["ts"].is_monotonic_increasing
    pd.testing.assert_frame_equal(again.bars, check_bars(clean, "NSE", daily=False).bars)
