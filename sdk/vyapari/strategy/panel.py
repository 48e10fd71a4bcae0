"""The bar panel: aligned numpy arrays of many symbols over time slices.

Conventions
-----------
* Row ``t`` is one time slice (a bar start time, IST), column ``n`` one symbol.
* Prices in ₹ (float64), volume in shares (float64); a missing bar is NaN with
  ``valid[t, n] == False``.
* Bars are labelled by their **start** time; ``ts`` holds UTC epoch nanoseconds.
* Every bar lies inside a trading session of the calendar; ``session[t]`` is the index of
  its session in ``session_dates``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from vyapari.core.errors import DataError
from vyapari.core.time import IST, ist_from_ns

if TYPE_CHECKING:  # pandas loads where a frame is made, not for a backtest's arrays
    import pandas as pd

PRICE_COLUMNS = ("open", "high", "low", "close")
BAR_COLUMNS = (*PRICE_COLUMNS, "volume")

# (session dates, open ns, close ns) for a date range, e.g. TradingCalendar.session_bounds
SessionBounds = Callable[[date, date], tuple[np.ndarray, np.ndarray, np.ndarray]]


@dataclass(frozen=True, eq=False)
class BarPanel:
    """Aligned OHLCV arrays ``[T, N]`` for ``symbols`` over time slices ``ts`` (UTC ns)."""

    symbols: tuple[str, ...]
    ts: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    valid: np.ndarray
    session: np.ndarray
    session_dates: np.ndarray
    session_close_ns: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    lot_sizes: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    share_ratio: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    cash_per_share: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))

    @property
    def has_actions(self) -> bool:
        """True when corporate actions were attached (:mod:`vyapari.strategy.actions`)."""
        return self.share_ratio.size > 0

    @property
    def ratios(self) -> np.ndarray:
        """``[T, N]`` share multiplier applied to a position at the start of each bar (1: none)."""
        return self.share_ratio if self.has_actions else np.ones(self.shape)

    @property
    def dividends(self) -> np.ndarray:
        """``[T, N]`` cash dividend (₹ per share held) credited at the start of each bar."""
        return self.cash_per_share if self.has_actions else np.zeros(self.shape)

    @property
    def shape(self) -> tuple[int, int]:
        """``(T, N)``: time slices × symbols."""
        return self.close.shape

    @property
    def bar_count(self) -> int:
        """Number of real (symbol, time) bars."""
        return int(self.valid.sum())

    def timestamps(self) -> pd.DatetimeIndex:
        """Bar start times as tz-aware IST timestamps."""
        import pandas as pd

        cached = self.__dict__.get("_timestamps")
        if cached is None:  # from the int64 ns directly: to_datetime parses ints one by one
            utc = pd.DatetimeIndex(np.asarray(self.ts, dtype=np.int64).view("datetime64[ns]"))
            cached = utc.tz_localize("UTC").tz_convert(IST)
            object.__setattr__(self, "_timestamps", cached)  # made once: the panel never changes
        return cached

    def column(self, symbol: str) -> int:
        """Column index of ``symbol``; ``KeyError`` naming it if absent."""
        try:
            return self.symbols.index(symbol)
        except ValueError:
            raise KeyError(f"symbol {symbol!r} is not in this panel") from None

    def symbol_frame(self, symbol: str) -> pd.DataFrame:
        """One symbol's bars as a frame (the inverse of :func:`build_panel`): ``ts`` (IST bar
        start), ``open``, ``high``, ``low``, ``close`` (₹) and ``volume`` (shares, int64), rows
        where the symbol has a bar."""
        import pandas as pd

        n = self.column(symbol)
        rows = self.valid[:, n]
        return pd.DataFrame(
            {
                "ts": self.timestamps()[rows],
                **{c: getattr(self, c)[rows, n] for c in PRICE_COLUMNS},
                "volume": self.volume[rows, n].astype(np.int64),
            }
        )

    def _rows(self, rows: slice | np.ndarray) -> dict[str, np.ndarray]:
        """Every per-slice array (``[T]`` or ``[T, N]``) at ``rows``, corporate actions included."""
        arrays = {name: getattr(self, name)[rows] for name in ("ts", *BAR_COLUMNS, "valid")}
        if self.has_actions:
            arrays |= {"share_ratio": self.share_ratio[rows], "cash_per_share": self.cash_per_share[rows]}
        return arrays

    def head(self, rows: int) -> BarPanel:
        """The first ``rows`` time slices (views), with the sessions they touch."""
        sessions = int(self.session[rows - 1]) + 1 if rows > 0 else 0
        return self.with_arrays(
            **self._rows(slice(0, rows)),
            session=self.session[:rows],
            session_dates=self.session_dates[:sessions],
            session_close_ns=self.session_close_ns[:sessions],
        )

    def sessions_between(self, first: int, last: int) -> BarPanel:
        """The slices of sessions ``first..last`` (indices, inclusive), renumbered from 0."""
        rows = (self.session >= first) & (self.session <= last)
        return self.with_arrays(
            **self._rows(rows),
            session=(self.session[rows] - first).astype(np.int32),
            session_dates=self.session_dates[first:last + 1],
            session_close_ns=self.session_close_ns[first:last + 1],
        )

    def with_arrays(self, **arrays: np.ndarray) -> BarPanel:
        """A copy with some arrays replaced (used by look-ahead tests and adjustments)."""
        fields_ = {name: getattr(self, name) for name in self.__dataclass_fields__}
        fields_.update(arrays)
        return BarPanel(**fields_)


def _frame_to_ns(symbol: str, frame: pd.DataFrame) -> np.ndarray:
    import pandas as pd

    missing = [c for c in ("ts", *BAR_COLUMNS) if c not in frame.columns]
    if missing:
        raise DataError(f"{symbol}: missing column(s) {', '.join(missing)}")
    ts = pd.DatetimeIndex(frame["ts"])
    if ts.tz is None:
        ts = ts.tz_localize(IST)
    return ts.tz_convert("UTC").as_unit("ns").asi8


def _check_frame(symbol: str, ns: np.ndarray, values: np.ndarray) -> None:
    def at(i: int) -> str:
        import pandas as pd

        return pd.Timestamp(int(ns[i]), tz="UTC").tz_convert(IST).isoformat()

    if len(ns) > 1:
        step = np.diff(ns)
        bad = np.flatnonzero(step <= 0)
        if bad.size:
            i = int(bad[0]) + 1
            kind = "duplicate" if step[bad[0]] == 0 else "unsorted"
            raise DataError(f"{symbol}: {kind} bar at {at(i)}")
    nan_rows = np.flatnonzero(np.isnan(values).any(axis=1))
    if nan_rows.size:
        raise DataError(f"{symbol}: NaN price or volume at {at(int(nan_rows[0]))}")
    o, h, low, c, v = values.T
    broken = np.flatnonzero((low > np.minimum(o, c)) | (h < np.maximum(o, c)) | (low <= 0) | (v < 0))
    if broken.size:
        raise DataError(
            f"{symbol}: OHLC out of order, non-positive price or negative volume at {at(int(broken[0]))}"
        )


def _session_index(symbol: str, ns: np.ndarray, bounds: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    _, opens, closes = bounds
    pos = np.searchsorted(opens, ns, side="right") - 1
    inside = (pos >= 0) & (ns < closes[np.clip(pos, 0, None)])
    if not inside.all():
        import pandas as pd

        i = int(np.flatnonzero(~inside)[0])
        stamp = pd.Timestamp(int(ns[i]), tz="UTC").tz_convert(IST).isoformat()
        raise DataError(f"{symbol}: bar at {stamp} is outside every trading session")


def build_panel(
    frames: Mapping[str, pd.DataFrame],
    session_bounds: SessionBounds,
    *,
    lot_sizes: Mapping[str, int] | None = None,
) -> BarPanel:
    """Align per-symbol bar frames (``ts, open, high, low, close, volume``) into a panel.

    ``ts`` may be tz-aware or naive (naive means IST). Raises :class:`DataError` naming the
    symbol and timestamp for unsorted or duplicate bars, NaN prices, OHLC out of order and
    bars outside the sessions given by ``session_bounds``.
    """
    if not frames:
        raise DataError("no bars: the data source holds no symbol in the requested range")
    symbols = tuple(sorted(frames))
    per_symbol = {s: _frame_to_ns(s, frames[s]) for s in symbols}
    values = {s: frames[s][list(BAR_COLUMNS)].to_numpy(dtype=np.float64) for s in symbols}
    return build_panel_arrays(per_symbol, values, session_bounds, lot_sizes=lot_sizes)


def build_panel_arrays(
    bar_ns: Mapping[str, np.ndarray],
    bar_values: Mapping[str, np.ndarray],
    session_bounds: SessionBounds,
    *,
    lot_sizes: Mapping[str, int] | None = None,
) -> BarPanel:
    """:func:`build_panel` from arrays: per symbol, bar starts (UTC epoch ns, int64) and a
    ``[bars, 5]`` float64 array of ``open, high, low, close, volume``; same checks, no pandas."""
    if not bar_ns:
        raise DataError("no bars: the data source holds no symbol in the requested range")
    symbols = tuple(sorted(bar_ns))
    per_symbol = {s: bar_ns[s] for s in symbols}
    values = {s: bar_values[s] for s in symbols}
    for s in symbols:
        _check_frame(s, per_symbol[s], values[s])
    nonempty = [v for v in per_symbol.values() if len(v)]
    if not nonempty:
        raise DataError("no bars: every symbol is empty in the requested range")
    if all(np.array_equal(v, nonempty[0]) for v in nonempty[1:]):
        all_ns = nonempty[0]  # the usual case, every symbol on the same bars: no sort needed
    else:
        all_ns = np.unique(np.concatenate(nonempty))
    first = ist_from_ns(int(all_ns[0])).date()
    last = ist_from_ns(int(all_ns[-1])).date()
    bounds = session_bounds(first, last)
    for s in symbols:
        _session_index(s, per_symbol[s], bounds)
    return _assemble(symbols, per_symbol, values, all_ns, bounds, lot_sizes or {})


def _assemble(
    symbols: Sequence[str],
    per_symbol: Mapping[str, np.ndarray],
    values_by_symbol: Mapping[str, np.ndarray],
    all_ns: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray, np.ndarray],
    lot_sizes: Mapping[str, int],
) -> BarPanel:
    t_count, n_count = len(all_ns), len(symbols)
    arrays = {c: np.full((t_count, n_count), np.nan) for c in BAR_COLUMNS}
    valid = np.zeros((t_count, n_count), dtype=bool)
    for n, s in enumerate(symbols):
        rows = np.searchsorted(all_ns, per_symbol[s])
        values = values_by_symbol[s]
        for k, c in enumerate(BAR_COLUMNS):
            arrays[c][rows, n] = values[:, k]
        valid[rows, n] = True
    dates, opens, closes = bounds
    session_pos = (np.searchsorted(opens, all_ns, side="right") - 1).astype(np.int64)
    used, session = np.unique(session_pos, return_inverse=True)
    return BarPanel(
        symbols=tuple(symbols),
        ts=all_ns,
        valid=valid,
        session=session.astype(np.int32),
        session_dates=np.asarray(dates)[used],
        session_close_ns=np.asarray(closes)[used].astype(np.int64),
        lot_sizes=np.array([int(lot_sizes.get(s, 1)) for s in symbols], dtype=np.int64),
        **arrays,
    )
