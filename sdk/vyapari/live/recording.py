"""Record a live session into the lake: the minute bars the engine builds and, if asked, its ticks.

:class:`SessionRecorder` is the engine's **bar sink**: ``engine.bar_sink = recorder.on_bar`` is
called with each finished :class:`~vyapari.live.bars.BarSlice` once the slice has run (off the
decision path). Every ``flush_every`` slices, and when the session stops, the bars so far are
written on the recorder's own thread into the lake's curated ``minute_bars`` with the writer of
``vyapari history fetch`` (:func:`vyapari.data.bar_sessions.store_minute_sessions`: one symbol's
session at a time, each month file replaced atomically). Recorded minutes are merged into what the
lake holds for the day, so a service restarted mid-session keeps the morning's bars; for a minute
both have, the recording wins (it is what the strategy saw). Bars are START-labelled, IST; prices
₹, volume in shares (the sum of the ticks' traded quantities).

With ``ticks=True`` it is also a tick listener (:meth:`SessionRecorder.on_tick`, attached to the
tick stream; called on the socket thread, so it only appends): the day's ticks go to the tick store
(``ticks/exchange=<EX>/symbol=<SYM>/<date>.parquet``): each flush hands over the ticks taken since
the last one and appends them to the stored day (an earlier run's ticks are kept).

A write that fails is logged and counted in ``failures``; the session goes on trading, and the
next flush writes the whole day again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from vyapari.brokers.ticks import TickStream
from vyapari.brokers.types import Tick
from vyapari.core.ids import split_instrument_id
from vyapari.core.time import IST
from vyapari.data.bar_sessions import store_minute_sessions
from vyapari.data.minute_store import read_minute_months
from vyapari.data.storage import ObjectStore
from vyapari.data.tickstore import ParquetTickStore
from vyapari.live.bars import BarSlice

log = logging.getLogger(__name__)
FIELDS = ("open", "high", "low", "close", "volume")
TickRow = tuple[str, int, float, int]  # instrument id, received at (UTC ns), price ₹, quantity


@dataclass
class RecordSummary:
    """What a recorder wrote: bars (symbol-minutes) per session, ticks, failed writes."""

    bars: dict[date, int] = field(default_factory=dict)
    symbols: set[str] = field(default_factory=set)
    ticks: int = 0
    failures: int = 0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"sessions": sorted(d.isoformat() for d in self.bars), "bars": sum(self.bars.values()),
                "symbols": len(self.symbols), "ticks": self.ticks, "failures": self.failures}


def _ts(ns: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(ns, utc=True)).dt.tz_convert(IST)


class SessionRecorder:
    """Writes the engine's minute bars (and optionally ticks) into ``store`` (see the module doc).

    Parameters
    ----------
    store : ObjectStore
        The lake (a folder locally, S3 in AWS).
    instruments : sequence of str
        The engine's instrument ids (``NSE:RELIANCE``), in its column order.
    ticks : bool
        Also keep the ticks (attach :meth:`on_tick` to the stream).
    flush_every : int
        Slices between writes (each write runs on the recorder's thread).
    """

    def __init__(self, store: ObjectStore, instruments: Sequence[str], *, ticks: bool = False,
                 flush_every: int = 15) -> None:
        if flush_every <= 0:
            raise ValueError(f"flush_every must be > 0 slices, got {flush_every}")
        self.store, self.flush_every, self.record_ticks = store, flush_every, ticks
        self.instruments = tuple(instruments)
        self.summary = RecordSummary()
        self._slices: dict[date, list[BarSlice]] = {}
        self._tick_rows: list[TickRow] = []  # appended on the socket thread, taken at each flush
        self._tick_lock = threading.Lock()
        self._unwritten: list[TickRow] = []  # ticks of a failed write, written with the next
        self._since = 0
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="session-record")
        self._pending: list[Future[None]] = []

    # ----- the engine's side ------------------------------------------------------------------
    def on_bar(self, bar: BarSlice) -> None:
        """Keep one finished slice (the bar sink); every ``flush_every`` slices, write in the background."""
        self._slices.setdefault(bar.session_date, []).append(bar)
        self._since += 1
        if self._since >= self.flush_every:
            self._submit()

    def on_tick(self, tick: Tick) -> None:
        """Keep one tick (a tick-stream listener: called on the socket thread, appends only)."""
        at = tick.received_at
        ns = int(at.timestamp()) * 1_000_000_000 + at.microsecond * 1000
        row = (tick.instrument_id, ns, float(tick.price), int(tick.last_quantity))
        with self._tick_lock:
            self._tick_rows.append(row)

    def attach(self, stream: TickStream) -> None:
        """Listen to ``stream``'s ticks when recording ticks (else nothing)."""
        if self.record_ticks:
            stream.on_tick(self.on_tick)

    def flush(self) -> None:
        """Write everything recorded so far and wait for it (and for earlier writes)."""
        self._submit()
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def close(self) -> RecordSummary:
        """Flush, stop the writer thread; returns the summary."""
        try:
            self.flush()
        finally:
            self._writer.shutdown(wait=True)
        return self.summary

    # ----- the writer's side ------------------------------------------------------------------
    def _submit(self) -> None:
        self._since = 0
        days = {day: list(slices) for day, slices in self._slices.items() if slices}
        latest = max(days, default=None)
        for day in [d for d in self._slices if d != latest]:  # an earlier session is complete
            del self._slices[day]
        with self._tick_lock:
            ticks, self._tick_rows = self._tick_rows, []
        if days or ticks or self._unwritten:
            self._pending = [f for f in self._pending if not f.done()]
            self._pending.append(self._writer.submit(self._write, days, ticks))

    def _write(self, days: dict[date, list[BarSlice]], ticks: list[TickRow]) -> None:
        try:
            for day, slices in days.items():
                self._write_bars(day, slices)
        except Exception:
            self._failed("bars")
        rows = self._unwritten + ticks
        if not rows:
            return
        try:
            self._write_ticks(rows)
            self._unwritten = []
        except Exception:
            self._unwritten = rows
            self._failed("ticks")

    def _failed(self, what: str) -> None:
        with self._lock:
            self.summary.failures += 1
        log.exception("recording the session's %s into the lake failed; the next flush writes them", what)

    def _write_bars(self, day: date, slices: list[BarSlice]) -> None:
        ts_ns = np.fromiter((s.ts_ns for s in slices), np.int64, len(slices))
        block = np.stack([s.ohlcv for s in slices])  # [T, 5, N]
        valid = np.stack([s.valid for s in slices])  # [T, N]
        written = 0
        for n, instrument in enumerate(self.instruments):
            rows = np.flatnonzero(valid[:, n])
            if not len(rows):
                continue
            exchange, symbol = split_instrument_id(instrument)
            ours = pd.DataFrame({"ts": _ts(ts_ns[rows]),
                                 **{f: block[rows, k, n] for k, f in enumerate(FIELDS)}})
            ours["volume"] = ours["volume"].round().astype(np.int64)
            stored = read_minute_months(self.store, exchange, symbol, day, day)
            if not stored.empty:
                kept = stored[~stored["ts"].isin(ours["ts"])][["ts", *FIELDS]]
                ours = pd.concat([kept, ours], ignore_index=True).sort_values("ts", kind="stable")
                ours = ours.reset_index(drop=True)
            store_minute_sessions(self.store, exchange, symbol, ours)
            written += len(rows)
            with self._lock:
                self.summary.symbols.add(symbol)
        with self._lock:
            self.summary.bars[day] = written

    def _write_ticks(self, rows: list[TickRow]) -> None:
        """Append ``rows`` (newer than what is stored) to the stored ticks of their sessions."""
        frame = pd.DataFrame(rows, columns=["instrument_id", "ns", "price", "qty"])
        ticks = ParquetTickStore(self.store)
        for instrument, part in frame.groupby("instrument_id", sort=True):
            exchange, symbol = split_instrument_id(str(instrument))
            ours = pd.DataFrame({"ts": _ts(part["ns"].to_numpy(np.int64)), "price": part["price"].to_numpy(),
                                 "qty": part["qty"].to_numpy(np.int64)})
            first, last = ours["ts"].iloc[0].date(), ours["ts"].iloc[-1].date()
            stored = ticks.read_ticks(exchange, symbol, first, last)
            if not stored.empty:  # earlier flushes', or an earlier run's (a restart)
                ours = pd.concat([stored[["ts", "price", "qty"]], ours], ignore_index=True)
            ticks.write_ticks(exchange, symbol, ours)
        with self._lock:
            self.summary.ticks += len(rows)


@contextmanager
def recorded(engine: Any, store: ObjectStore | None, *, ticks: bool = False,
             stream: TickStream | None = None, flush_every: int = 15) -> Iterator[SessionRecorder | None]:
    """Record ``engine``'s session into ``store`` while the block runs (nothing when ``store`` is None).

    Sets ``engine.bar_sink``; with ``ticks``, listens to ``stream``; on exit writes what is left,
    logs what was recorded and clears the sink.
    """
    if store is None:
        yield None
        return
    recorder = SessionRecorder(store, engine.instruments, ticks=ticks, flush_every=flush_every)
    if stream is not None:
        recorder.attach(stream)
    engine.bar_sink = recorder.on_bar
    try:
        yield recorder
    finally:
        engine.bar_sink = None
        summary = recorder.close()
        log.info("session recorded into the lake: %s", summary.to_dict())
