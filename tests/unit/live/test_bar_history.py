"""The live bar history: rows as appended, across growth and sessions, as a panel of views."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from vyapari.live.bars import BarSlice
from vyapari.live.history import BarHistory
from vyapari.strategy.panel import BAR_COLUMNS

MINUTE = 60 * 1_000_000_000


def _slices(rows: int, n: int, seed: int = 3) -> list[BarSlice]:
    rng = np.random.default_rng(seed)
    out = []
    for t in range(rows):
        day = date(2026, 11, 2) if t < rows // 2 else date(2026, 11, 3)
        ohlcv = rng.uniform(90, 110, (len(BAR_COLUMNS), n))
        valid = rng.random(n) > 0.2
        ohlcv[:, ~valid] = np.nan
        out.append(BarSlice(1_000 * MINUTE + t * MINUTE, day, 0, 2_000 * MINUTE, ohlcv, valid))
    return out


def test_rows_survive_growth_and_the_panel_shows_each_field_as_appended() -> None:
    slices = _slices(rows=11, n=3)
    history = BarHistory(("A", "B", "C"), np.ones(3, np.int64), capacity=4)  # grows twice
    assert [history.append(bar) for bar in slices] == list(range(11))
    panel = history.panel()
    for k, field in enumerate(BAR_COLUMNS):
        expected = np.stack([bar.ohlcv[k] for bar in slices])
        np.testing.assert_array_equal(getattr(panel, field), expected)
        np.testing.assert_array_equal(history.row(field, 7), slices[7].ohlcv[k])
        np.testing.assert_array_equal(history.tail(field, 10, 3), expected[8:11])
    np.testing.assert_array_equal(panel.valid, np.stack([bar.valid for bar in slices]))
    days = [history.session_date(t) for t in (0, 4, 5, 10)]
    assert days == [date(2026, 11, 2)] * 2 + [date(2026, 11, 3)] * 2
    assert panel.session.tolist() == [0] * 5 + [1] * 6


def test_a_slice_not_after_the_last_is_refused() -> None:
    first, second = _slices(rows=2, n=2)
    history = BarHistory(("A", "B"), np.ones(2, np.int64))
    history.append(second)
    with pytest.raises(ValueError, match="not after the last one"):
        history.append(first)
