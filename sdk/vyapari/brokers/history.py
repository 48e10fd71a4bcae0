"""Historical bars from a broker, window by window, into the lake (``vyapari history fetch``).

Per broker and interval, :data:`LIMITS` gives the broker's interval name and the most days one
request may span (Kite: minute 60, 3/5-minute 100, 15/30-minute 200, 60-minute 400, day 2000; Upstox
v3: 1–15 minutes one month, 30/60 minutes one quarter, day one decade). A symbol's sessions still
missing (:class:`vyapari.data.history_state.HistoryState`) are grouped into such windows and fetched
through :meth:`BrokerAdapter.candle_frame` (``candles`` as one frame; a few requests in flight at once),
which owns the rate limit
(``historical`` bucket), the retries of 429/5xx/time-outs and the error mapping. Candles are
relabelled to their START in IST (both brokers already label by start), checked against the
calendar and stored session by session.

An expired session stops the run with :class:`HistoryLoginRequired` naming the login command; a
symbol the broker does not know is named in the result and the others continue; a window that still
fails after the retries is named and the symbol's other windows continue.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
import pandas as pd

from vyapari.brokers.base import BrokerAdapter
from vyapari.brokers.errors import BrokerError, InvalidOrder, SessionExpired
from vyapari.core.errors import InvalidInput, VyapariError
from vyapari.core.time import IST
from vyapari.data.bar_sessions import SessionWrites, check_bars, store_daily_rows, store_minute_sessions
from vyapari.data.history_state import HistoryState, calendar_sessions, group_windows
from vyapari.data.storage import ObjectStore

INTERVALS = ("1m", "3m", "5m", "15m", "30m", "1h", "1d")
_MINUTES = {"1m": 1, "3m": 3, "5m": 5, "15m": 15, "30m": 30, "1h": 60, "1d": 0}
# interval -> (broker's interval name, max days per request)
LIMITS: dict[str, dict[str, tuple[str, int]]] = {
    "zerodha": {"1m": ("minute", 60), "3m": ("3minute", 100), "5m": ("5minute", 100),
                "15m": ("15minute", 200), "30m": ("30minute", 200), "1h": ("60minute", 400),
                "1d": ("day", 2000)},
    "upstox": {"1m": ("minute", 30), "3m": ("3minute", 30), "5m": ("5minute", 30),
               "15m": ("15minute", 30), "30m": ("30minute", 90), "1h": ("60minute", 90),
               "1d": ("day", 3650)},
}
LABELS = {"zerodha": "start", "upstox": "start"}  # how each broker labels its candles
# requests kept in flight: enough that one request's round trip and parsing (about 0.3-0.5 s for a
# 60-day minute window) never leave the broker's allowance (Kite 3/s) unused
IN_FLIGHT = 4


class HistoryLoginRequired(VyapariError):
    """The broker session is missing or expired: the message names the login command."""


def interval_minutes(interval: str) -> int:
    """Minutes of ``interval`` (0 for ``1d``)."""
    if interval not in _MINUTES:
        raise InvalidInput("--interval", f"{interval!r} is not one of {', '.join(INTERVALS)}")
    return _MINUTES[interval]


def dataset_of(interval: str) -> str:
    """The lake dataset of ``interval``'s bars: ``minute_bars``, ``bars_<N>m`` or ``daily_bars``."""
    minutes = interval_minutes(interval)
    return "daily_bars" if minutes == 0 else "minute_bars" if minutes == 1 else f"bars_{minutes}m"


@dataclass
class SymbolResult:
    """One symbol's fetch: windows requested and failed, bars stored, sessions written."""

    symbol: str
    instrument_id: str
    windows: int = 0
    requests: int = 0
    bars: int = 0
    dropped: int = 0
    writes: SessionWrites = field(default_factory=SessionWrites)
    error: str | None = None
    failed_windows: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"symbol": self.symbol, "instrument_id": self.instrument_id, "windows": self.windows,
                "requests": self.requests, "bars": self.bars, "dropped": self.dropped,
                **self.writes.to_dict(), "error": self.error, "failed_windows": self.failed_windows}


def candles_frame(candles: pd.DataFrame, symbol: str, label: str, minutes: int) -> pd.DataFrame:
    """A broker's candle frame as ``symbol, ts (IST, START), open, high, low, close, volume, line``."""
    frame = candles.assign(symbol=symbol, line=np.arange(1, len(candles) + 1))
    if label == "end" and minutes:
        frame["ts"] = frame["ts"] - pd.Timedelta(minutes=minutes)
    if minutes == 0:  # a day candle: the session date at midnight IST
        frame["ts"] = frame["ts"].dt.normalize()
    return frame


def _bounds(window: tuple[date, date]) -> tuple[datetime, datetime]:
    return datetime.combine(window[0], time(0), IST), datetime.combine(window[1], time(23, 59, 59), IST)


@dataclass
class HistoryFetch:
    """Fetch ``interval`` bars of symbols from ``adapter`` (named ``broker``) into ``store``.

    ``on_window(symbol, window)`` is called after each request (progress display; from the
    fetching threads). ``in_flight`` is how many requests may be out at once (the limiter paces them).
    """

    adapter: BrokerAdapter
    broker: str
    store: ObjectStore
    exchange: str = "NSE"
    interval: str = "1m"
    on_window: Callable[[str, tuple[date, date]], None] | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(IST))
    in_flight: int = IN_FLIGHT
    _counts: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def plan(self, symbol: str, start: date, end: date, refresh: bool = False) -> list[tuple[date, date]]:
        """The windows still to fetch for ``symbol`` (all of them with ``refresh``)."""
        state = HistoryState(self.store, self.broker, self.exchange, self.interval)
        todo = state.sessions_to_fetch(symbol, start, end, refresh=refresh)
        sessions = calendar_sessions(self.exchange, start, end)
        return group_windows(sessions, todo, LIMITS[self.broker][self.interval][1])

    def fetch(self, symbol: str, instrument_id: str, windows: list[tuple[date, date]]) -> SymbolResult:
        """Fetch and store ``windows`` of one symbol (see :meth:`fetch_all`)."""
        return self.fetch_all([(symbol, instrument_id, windows)])[0]

    def fetch_all(self, jobs: Sequence[tuple[str, str, list[tuple[date, date]]]]) -> list[SymbolResult]:
        """Fetch ``(symbol, instrument_id, windows)`` jobs; one result per job, in the jobs' order.

        The first window is requested alone (it proves the session and the first instrument before
        more requests go out); then up to :attr:`in_flight` requests are kept in flight by a small
        thread pool, each taking its turn in the adapter's rate limiter, so the pace is the broker's
        and not one request's round trip plus parsing. Windows are stored one at a time, in the order
        they arrive, on one writer thread (each session replaced atomically; a window is marked
        fetched only once its bars are stored). A session expiry stops new requests and raises
        :class:`HistoryLoginRequired` once what was already fetched is stored; a symbol the broker
        does not know stops that symbol's windows; other errors are named in the symbol's result.
        """
        results = [SymbolResult(s, i, windows=len(w)) for s, i, w in jobs]
        tasks = [(result, window) for result, (_, _, windows) in zip(results, jobs, strict=True)
                 for window in windows]
        expired: list[HistoryLoginRequired] = []
        stored: list[Future[None]] = []
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="history-store") as writer:

            def one(result: SymbolResult, window: tuple[date, date]) -> None:
                if expired or result.error:
                    return
                try:
                    candles = self._request(result, window)
                except HistoryLoginRequired as exc:
                    expired.append(exc)
                    return
                if candles is not None:
                    stored.append(writer.submit(self._store_window, result, candles, window))

            if tasks:
                one(*tasks[0])
            with ThreadPoolExecutor(max_workers=max(1, self.in_flight),
                                    thread_name_prefix="history-fetch") as fetchers:
                for future in [fetchers.submit(one, *task) for task in tasks[1:]]:
                    future.result()
        for done in stored:
            done.result()  # a storage failure is not swallowed
        if expired:
            raise expired[0]
        return results

    def _request(self, result: SymbolResult, window: tuple[date, date]) -> pd.DataFrame | None:
        name, _ = LIMITS[self.broker][self.interval]
        try:
            return self.adapter.candle_frame(result.instrument_id, name, *_bounds(window))
        except SessionExpired as exc:
            raise HistoryLoginRequired(
                f"{self.broker} session expired or missing ({exc.message}); run "
                f"'vyapari login {self.broker}' and fetch again (what was stored is kept)") from None
        except InvalidOrder as exc:  # the broker does not know the instrument
            result.error = exc.message
        except BrokerError as exc:
            with self._counts:
                result.failed_windows.append(
                    f"{window[0]}..{window[1]}: {type(exc).__name__}: {exc.message}")
        finally:
            with self._counts:
                result.requests += 1
            if self.on_window:
                self.on_window(result.symbol, window)
        return None

    def _store_window(self, result: SymbolResult, candles: pd.DataFrame, window: tuple[date, date]) -> None:
        self._store(result, candles, interval_minutes(self.interval))
        HistoryState(self.store, self.broker, self.exchange, self.interval).mark_fetched(
            result.symbol, window, self.now())

    def _store(self, result: SymbolResult, candles: pd.DataFrame, minutes: int) -> None:
        if candles.empty:
            return
        frame = candles_frame(candles, result.symbol, LABELS[self.broker], minutes)
        checked = check_bars(frame, self.exchange, daily=minutes == 0)
        result.dropped += len(checked.dropped)
        result.bars += len(checked.bars)
        if checked.bars.empty:
            return
        if minutes == 0:
            writes = store_daily_rows(self.store, self.exchange, checked.bars).get(result.symbol)
        else:
            bars = checked.bars.drop(columns="symbol")
            writes = store_minute_sessions(self.store, self.exchange, result.symbol, bars,
                                           dataset_of(self.interval))
        if writes:
            result.writes.merge(writes)
