"""The growing bar history of a live run, viewable as a :class:`BarPanel` at any time.

Rows are finished minute slices in arrival order (bar start, IST); columns the run's
symbols. Arrays grow by doubling, so appending is amortised O(N) and :meth:`panel` is a
set of views (no copy; the session arrays are rebuilt only when a session starts): a
vectorised signal recomputed on ``panel()`` sees exactly the rows a backtest would have
seen up to now.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from vyapari.live.bars import BarSlice
from vyapari.strategy.panel import BAR_COLUMNS, BarPanel


class BarHistory:
    """Finished slices ``[T, N]`` (prices ₹, volume shares, NaN where a symbol had no bar)."""

    def __init__(self, symbols: Sequence[str], lot_sizes: np.ndarray, capacity: int = 512) -> None:
        self.symbols = tuple(symbols)
        self.lot_sizes = np.asarray(lot_sizes, dtype=np.int64)
        n = len(self.symbols)
        self._block = np.full((capacity, len(BAR_COLUMNS), n), np.nan)  # [T, field, N]: a row in one copy
        self._arrays = self._fields()
        self._valid = np.zeros((capacity, n), dtype=bool)
        self._ts = np.zeros(capacity, np.int64)
        self._session = np.zeros(capacity, np.int32)
        self._dates: list[date] = []
        self._closes: list[int] = []
        self._session_arrays = (np.empty(0, dtype="datetime64[D]"), np.empty(0, np.int64))  # of the above
        self.rows = 0
        self._splits: list[tuple[int, int, float]] = []  # (row, column, ratio) of splits and bonuses
        self._ones = np.ones(n)

    def _fields(self) -> dict[str, np.ndarray]:
        """Each field's ``[T, N]`` view of the block (rows contiguous, strided by the block's row)."""
        return {c: self._block[:, k, :] for k, c in enumerate(BAR_COLUMNS)}

    def _grow(self) -> None:
        cap = len(self._ts) * 2
        bigger = np.full((cap, *self._block.shape[1:]), np.nan)
        bigger[: self.rows] = self._block[: self.rows]
        self._block = bigger
        self._arrays = self._fields()
        valid = np.zeros((cap, self._valid.shape[1]), dtype=bool)
        valid[: self.rows] = self._valid[: self.rows]
        self._valid = valid
        self._ts = np.concatenate([self._ts, np.zeros(cap - len(self._ts), np.int64)])
        self._session = np.concatenate([self._session, np.zeros(cap - len(self._session), np.int32)])

    def append(self, bar: BarSlice) -> int:
        """Add ``bar`` as the next row; returns its row index."""
        if self.rows and bar.ts_ns <= self._ts[self.rows - 1]:
            raise ValueError(f"slice {bar.ts_ns} is not after the last one {self._ts[self.rows - 1]}")
        if self.rows == len(self._ts):
            self._grow()
        t = self.rows
        self._block[t] = bar.ohlcv
        self._valid[t] = bar.valid
        self._ts[t] = bar.ts_ns
        if not self._dates or self._dates[-1] != bar.session_date:
            self._dates.append(bar.session_date)
            self._closes.append(bar.session_close_ns)
            self._session_arrays = (
                np.array(self._dates, dtype="datetime64[D]"),
                np.array(self._closes, dtype=np.int64),
            )
        self._session[t] = len(self._dates) - 1
        self.rows += 1
        return t

    def row(self, field: str, t: int) -> np.ndarray:
        """Row ``t`` of ``field`` (a view)."""
        if field == "valid":
            return self._valid[t]
        return self._arrays[field][t]

    def ts(self, t: int) -> int:
        """Bar start of row ``t`` (UTC ns)."""
        return int(self._ts[t])

    def session_date(self, t: int) -> date:
        """Session date of row ``t``."""
        return self._dates[int(self._session[t])]

    def tail(self, field: str, t: int, length: int) -> np.ndarray:
        """Rows ``max(0, t-length+1) .. t`` of ``field``."""
        return self._arrays[field][max(0, t - length + 1) : t + 1]

    def settle_split(self, column: int, ratio: float) -> None:
        """A split or bonus of ``column`` (shares after / before) effective from the next row."""
        self._splits.append((self.rows, column, ratio))

    def tail_adjusted(self, field: str, t: int, length: int) -> np.ndarray:
        """:meth:`tail` in the shares of row ``t`` (earlier prices ÷ split ratios since, volumes ×)."""
        rows = self.tail(field, t, length)
        if not self._splits:
            return rows
        from vyapari.strategy.actions import adjusted_rows

        start = max(0, t - length + 1)
        factors = np.stack([self.split_factor(r) for r in range(start, t + 1)])
        return adjusted_rows(rows, factors, factors[-1], field)

    def split_factor(self, t: int) -> np.ndarray:
        """``[N]`` shares at row ``t`` per share of the first row (1 without splits; do not change it)."""
        if not self._splits:
            return self._ones
        factor = np.ones(len(self.symbols))
        for row, column, ratio in self._splits:
            if row <= t:
                factor[column] *= ratio
        return factor

    def panel(self) -> BarPanel:
        """All rows so far as a :class:`BarPanel` (views; with the splits so far, settled as
        :mod:`vyapari.strategy.actions` settles them, so a split is no signal)."""
        t = self.rows
        actions = {}
        if self._splits:
            ratio = np.ones((t, len(self.symbols)))
            for row, column, r in self._splits:
                if row < t:
                    ratio[row, column] *= r
            actions = {"share_ratio": ratio, "cash_per_share": np.zeros_like(ratio)}
        return BarPanel(
            **actions,
            symbols=self.symbols,
            ts=self._ts[:t],
            valid=self._valid[:t],
            session=self._session[:t],
            session_dates=self._session_arrays[0],
            session_close_ns=self._session_arrays[1],
            lot_sizes=self.lot_sizes,
            **{c: self._arrays[c][:t] for c in BAR_COLUMNS},
        )
