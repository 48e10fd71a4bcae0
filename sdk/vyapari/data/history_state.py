"""What a broker history fetch has done, so a second run fetches only what is missing.

``state/history/<broker>/<EX>/<interval>/<SYMBOL>.json`` records, per session date, when it was fetched.
A session is *done* when it was fetched after its close (the broker had all it will ever have; a
session with no trade in some minutes stays done) or when the lake already holds every bar the
calendar expects for it. :func:`group_windows` turns the sessions still to fetch into request
windows of at most ``max_days`` calendar days, never spanning a done session.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pandas as pd

from vyapari.data import layout
from vyapari.data.bar_sessions import Coverage, coverage, expected_minutes
from vyapari.data.minute_store import read_minute_months
from vyapari.data.parquet_io import from_parquet_bytes
from vyapari.data.storage import ObjectStore

_MINUTES = {"1m": 1, "3m": 3, "5m": 5, "15m": 15, "30m": 30, "1h": 60, "1d": 0}


def _sessions(exchange: str, start: date, end: date) -> list[tuple[date, datetime]]:
    from vyapari.market.calendar import get_calendar

    return [(s.session_date, s.close_at) for s in get_calendar(exchange).sessions(start, end)]


def stored_bars(store: ObjectStore, exchange: str, symbol: str, start: date, end: date,
                interval: str) -> pd.DataFrame:
    """The lake's bars of ``symbol`` at ``interval`` (``ts`` START, IST) for sessions in the range."""
    minutes = _MINUTES[interval]
    if minutes:
        dataset = "minute_bars" if minutes == 1 else f"bars_{minutes}m"
        return read_minute_months(store, exchange, symbol, start, end, dataset)
    rows = []
    for year in range(start.year, end.year + 1):
        for key in store.list(layout.day_prefix("daily_bars", exchange, year)):
            day = layout.date_of_day_key(key)
            if day is not None and start <= day <= end:
                table = from_parquet_bytes(store.get(key)).to_pandas()
                hit = table[(table["symbol"] == symbol) & (table["series"] == "EQ")]
                if len(hit):
                    rows.append(pd.Timestamp(day, tz="Asia/Kolkata"))
    return pd.DataFrame({"ts": pd.Series(rows, dtype="datetime64[ns, Asia/Kolkata]")})


def history_coverage(store: ObjectStore, exchange: str, symbol: str, start: date, end: date,
                     interval: str) -> Coverage:
    """Coverage of the lake's bars of ``symbol`` against the calendar (see :class:`Coverage`)."""
    minutes = _MINUTES[interval]
    bars = stored_bars(store, exchange, symbol, start, end, interval)
    if minutes:
        expected = expected_minutes(exchange, start, end, minutes)
    else:
        expected = {d: pd.DatetimeIndex([pd.Timestamp(d, tz="Asia/Kolkata")]).tz_convert("UTC")
                    .tz_localize(None).as_unit("ns").asi8 for d, _ in _sessions(exchange, start, end)}
    return coverage(bars, symbol, expected)


class HistoryState:
    """The fetch record of one (broker, exchange, interval) in the lake's ``state/`` area."""

    def __init__(self, store: ObjectStore, broker: str, exchange: str, interval: str) -> None:
        self.store, self.broker, self.exchange, self.interval = store, broker, exchange, interval

    def key(self, symbol: str) -> str:
        """The state object of ``symbol``."""
        return (f"state/history/{layout.part(self.broker)}/{layout.part(self.exchange)}/"
                f"{self.interval}/{layout.part(symbol)}.json")

    def fetched(self, symbol: str) -> dict[str, str]:
        """Session date (ISO) → when it was fetched (ISO instant)."""
        key = self.key(symbol)
        if not self.store.exists(key):
            return {}
        return dict(json.loads(self.store.get(key)).get("fetched", {}))

    def mark_fetched(self, symbol: str, window: tuple[date, date], at: datetime) -> None:
        """Record the sessions of ``window`` as fetched at ``at`` (replaced atomically)."""
        record = self.fetched(symbol)
        for day, _ in _sessions(self.exchange, *window):
            record[day.isoformat()] = at.isoformat()
        payload = {"broker": self.broker, "exchange": self.exchange, "interval": self.interval,
                   "symbol": symbol, "fetched": dict(sorted(record.items()))}
        self.store.put_atomic(self.key(symbol), json.dumps(payload, indent=1).encode())

    def sessions_to_fetch(self, symbol: str, start: date, end: date, *, refresh: bool = False) -> list[date]:
        """Sessions in ``[start, end]`` not yet done (all of them with ``refresh``)."""
        sessions = _sessions(self.exchange, start, end)
        if refresh:
            return [d for d, _ in sessions]
        record = self.fetched(symbol)
        cover = history_coverage(self.store, self.exchange, symbol, start, end, self.interval)
        absent, partial = set(cover.absent), set(cover.partial)
        todo = []
        for day, close_at in sessions:
            when = record.get(day.isoformat())
            if when is not None and datetime.fromisoformat(when) >= close_at:
                continue
            if day.isoformat() not in absent and day.isoformat() not in partial:
                continue  # complete in the lake already
            todo.append(day)
        return todo


def group_windows(sessions: list[date], todo: list[date], max_days: int) -> list[tuple[date, date]]:
    """Runs of ``todo`` sessions adjacent in ``sessions`` (the calendar's), each at most ``max_days``
    calendar days long: a done session between two missing ones splits the window."""
    wanted = set(todo)
    windows: list[tuple[date, date]] = []
    previous_wanted = False
    for day in sorted(sessions):
        if day not in wanted:
            previous_wanted = False
            continue
        if previous_wanted and windows and (day - windows[-1][0]).days < max_days:
            windows[-1] = (windows[-1][0], day)
        else:
            windows.append((day, day))
        previous_wanted = True
    return windows


def calendar_sessions(exchange: str, start: date, end: date) -> list[date]:
    """Session dates of ``exchange`` in ``[start, end]``."""
    return [d for d, _ in _sessions(exchange, start, end)]
