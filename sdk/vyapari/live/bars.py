"""Incremental 1-minute bars from ticks, with the ingestion builder's conventions.

:class:`MinuteBarBuilder` is the streaming twin of
:func:`vyapari.data.minute_bars.ticks_to_bars_kernel`: a bar is labelled by its **start**
(UTC epoch ns; ``label = ts − (ts − session open) mod 1 minute``), covers
``[start, start + 1 min)``, and only ticks inside a session's ``[open, close)`` count.
Open is the first tick's price, high/low the extremes, close the last price, volume the
sum of traded quantities (shares); prices in ₹. Ticks are fed one by one; when a tick of a
later minute arrives (or the clock passes the minute, :meth:`MinuteBarBuilder.advance`),
the finished minute is emitted as one :class:`BarSlice` across all instruments, NaN where
an instrument did not trade. A tick older than the current minute is counted in
``late`` and dropped (the slice was already acted on).

The running open, high, low, close and volume live unboxed in one ``[5, N]`` block of doubles
(one slot per instrument, reused every minute, written tick by tick through flat memoryviews of
its rows; a ``seen`` byte says which slots hold this minute's values), so closing a minute is one
copy of a contiguous block instead of gathering thousands of Python floats scattered over the heap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

import numpy as np

from vyapari.data.minute_bars import NS_PER_MINUTE

Bounds = Callable[[date, date], tuple[np.ndarray, np.ndarray, np.ndarray]]
NS_PER_DAY = 86_400 * 1_000_000_000
IST_OFFSET_NS = (5 * 60 + 30) * 60 * 1_000_000_000


class BarSlice:
    """One finished minute: ``ts_ns`` is the bar start (UTC ns); ``ohlcv`` is ``[5, N]`` (open,
    high, low, close in ₹, volume in shares; rows in :data:`~vyapari.strategy.panel.BAR_COLUMNS`
    order) and ``valid`` ``[N]``, in instrument order, NaN where an instrument did not trade.

    One block rather than five arrays: it is copied into the history's row in one step, on the
    path from the closing tick to the decision. Treat it as immutable.
    """

    __slots__ = ("ohlcv", "session_close_ns", "session_date", "session_open_ns", "ts_ns", "valid")

    def __init__(
        self,
        ts_ns: int,
        session_date: date,
        session_open_ns: int,
        session_close_ns: int,
        ohlcv: np.ndarray,
        valid: np.ndarray,
    ) -> None:
        self.ts_ns, self.session_date = ts_ns, session_date
        self.session_open_ns, self.session_close_ns = session_open_ns, session_close_ns
        self.ohlcv, self.valid = ohlcv, valid

    @property
    def open(self) -> np.ndarray:
        """Opens in ₹ ``[N]``."""
        return self.ohlcv[0]

    @property
    def high(self) -> np.ndarray:
        """Highs in ₹ ``[N]``."""
        return self.ohlcv[1]

    @property
    def low(self) -> np.ndarray:
        """Lows in ₹ ``[N]``."""
        return self.ohlcv[2]

    @property
    def close(self) -> np.ndarray:
        """Closes in ₹ ``[N]``."""
        return self.ohlcv[3]

    @property
    def volume(self) -> np.ndarray:
        """Volumes in shares ``[N]``."""
        return self.ohlcv[4]


class SessionTable:
    """Session bounds (UTC ns) around the instants asked about, loaded from a calendar."""

    def __init__(self, bounds: Bounds, margin_days: int = 10) -> None:
        self._bounds = bounds
        self._margin = margin_days
        self._dates: np.ndarray = np.empty(0, dtype="datetime64[D]")
        self._open = np.empty(0, np.int64)
        self._close = np.empty(0, np.int64)

    def _load(self, ts_ns: int) -> None:
        day = date(1970, 1, 1) + timedelta(days=(ts_ns + IST_OFFSET_NS) // NS_PER_DAY)
        margin = timedelta(days=self._margin)
        dates, opens, closes = self._bounds(day - margin, day + margin)
        self._dates = np.asarray(dates).astype("datetime64[D]")
        self._open = np.asarray(opens, np.int64)
        self._close = np.asarray(closes, np.int64)

    def find(self, ts_ns: int) -> tuple[date, int, int] | None:
        """``(session_date, open_ns, close_ns)`` of the session containing ``ts_ns``, else None."""
        if not len(self._open) or not self._open[0] <= ts_ns < self._close[-1]:
            self._load(ts_ns)
        i = int(np.searchsorted(self._open, ts_ns, side="right")) - 1
        if i < 0 or ts_ns >= self._close[i]:
            return None
        return self._dates[i].item(), int(self._open[i]), int(self._close[i])


class MinuteBarBuilder:
    """Build 1-minute bars tick by tick for a fixed instrument list (see the module docstring)."""

    def __init__(self, instruments: Sequence[str], sessions: SessionTable) -> None:
        self.instruments = tuple(instruments)
        self.columns = {name: i for i, name in enumerate(self.instruments)}
        self.sessions = sessions
        self.late = 0
        self.outside = 0
        self._label = -1
        self._session: tuple[date, int, int] | None = None
        n = len(self.instruments)
        self._live = np.zeros((5, n))  # this minute's open, high, low, close, volume, by column
        # each row as a flat buffer of doubles: a tick reads and writes single slots at the cost of
        # an array('d') item, and closing the minute is one copy of the block
        self._o, self._h, self._l, self._c, self._v = (row.data.cast("B").cast("d") for row in self._live)
        self._reset()

    @property
    def minute_ns(self) -> int:
        """Start (UTC ns) of the minute being built; -1 before the first tick or after a timer emit."""
        return self._label

    @property
    def session_date(self) -> date | None:
        """The session date of the minute being built (of the last in-session tick); None before one."""
        return None if self._session is None else self._session[0]

    def _reset(self) -> None:
        self._seen = bytearray(len(self.instruments))  # 1 where a slot holds this minute's values

    def _session_of(self, ts_ns: int) -> tuple[date, int, int] | None:
        s = self._session
        if s is not None and s[1] <= ts_ns < s[2]:
            return s
        found = self.sessions.find(ts_ns)
        if found is not None:
            self._session = found
        return found

    def add(self, column: int, ts_ns: int, price: float, quantity: float) -> BarSlice | None:
        """Add a tick of ``quantity`` shares at ``price`` ₹ for instrument ``column``.

        Returns the previous minute's slice when this tick starts a new minute, else None.
        """
        session = self._session_of(ts_ns)
        if session is None:
            self.outside += 1
            return None
        label = ts_ns - (ts_ns - session[1]) % NS_PER_MINUTE
        done = None
        if label != self._label:
            if label < self._label:
                self.late += 1
                return None
            done = self._emit()
            self._label = label
        if self._seen[column]:
            if price > self._h[column]:
                self._h[column] = price
            elif price < self._l[column]:
                self._l[column] = price
            self._v[column] += quantity
        else:
            self._seen[column] = 1
            self._o[column] = self._h[column] = self._l[column] = price
            self._v[column] = quantity
        self._c[column] = price
        return done

    def advance(self, now_ns: int) -> BarSlice | None:
        """Emit the current minute if the clock ``now_ns`` has passed its end (quiet markets)."""
        if self._label >= 0 and now_ns >= self._label + NS_PER_MINUTE:
            done = self._emit()
            self._label = -1
            return done
        return None

    def _emit(self) -> BarSlice | None:
        if self._label < 0 or 1 not in self._seen:
            self._reset()
            return None
        session = self._session_of(self._label)
        assert session is not None  # the label came from an in-session tick
        valid = np.frombuffer(self._seen, dtype=np.bool_)  # a view: _reset() gives the next minute a new one
        ohlcv = self._live.copy()  # one copy of the five rows
        if 0 in self._seen:
            ohlcv[:, ~valid] = np.nan  # slots of instruments that did not trade hold older minutes
        out = BarSlice(self._label, session[0], session[1], session[2], ohlcv, valid)
        self._reset()
        return out
