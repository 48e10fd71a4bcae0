"""Trading calendars of NSE and BSE: which days trade, and when, in IST.

A :class:`TradingCalendar` is ``pandas_market_calendars`` ("NSE" or "BSE") corrected by the project's
dated :class:`~vyapari.market.overrides.OverrideTable` (weekend Budget sessions, DR-site drills,
Muhurat sessions with their real times on both exchanges, ad-hoc holidays).

Conventions
-----------
* Every instant is tz-aware IST; a trading day is a ``session_date``. Naive datetimes are rejected.
* Continuous trading is the half-open interval ``[open_at, close_at)``; a minute bar is labelled by
  its **start** (a regular session has 375 bars, 09:15 .. 15:29).
* Derivative segments share their exchange's calendar (NFO -> NSE, BFO -> BSE).

Coverage
--------
Years :data:`FIRST_YEAR` (2011, the first full year of the 09:15-15:30 session with a 09:00
pre-open) through :data:`LAST_YEAR`; dates outside raise :class:`ScheduleNotFound`. The library's
holiday data ends with 2026: for later years every weekday is a session and every session is marked
``provisional`` until the exchange's holiday list is added (as override rows or a library upgrade).
Override rows cover 2020 onwards plus two earlier weekend sessions; other pre-2020 weekend sessions
(e.g. the Sunday Muhurat of 2013-11-03 and 2016-10-30) are missing, as in the library.

Library years are built once per exchange and year and cached on the instance; :func:`get_calendar`
returns one cached instance per exchange.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from vyapari.core.errors import InvalidInput, ScheduleNotFound, VyapariError
from vyapari.core.time import IST, UTC, ist_at, require_aware
from vyapari.market.library_cache import LibrarySessionCache
from vyapari.market.override_data import BUILTIN_OVERRIDES
from vyapari.market.overrides import OverrideAction, OverrideTable, calendar_exchange
from vyapari.market.sessions import (
    DEFAULT_PRE_OPEN_LEAD,
    PRE_OPEN_ORDER_ENTRY_START,
    REGULAR_CLOSE,
    REGULAR_OPEN,
    Session,
    SessionKind,
)
from vyapari.model.enums import Exchange

if TYPE_CHECKING:
    import pandas as pd

FIRST_YEAR = 2011
LAST_YEAR = 2099
_LIBRARY_NAMES = {Exchange.NSE: "NSE", Exchange.BSE: "BSE"}


class NotASessionError(VyapariError, LookupError):
    """The requested day is not a trading session of the exchange (weekend or holiday)."""


@dataclass(frozen=True)
class _Year:
    """One calendar year of sessions, in date order, with read-only array views for the engine."""

    sessions: tuple[Session, ...]
    dates: list[date]
    days: np.ndarray  # datetime64[D]
    open_ns: np.ndarray  # int64 UTC epoch ns
    close_ns: np.ndarray  # int64 UTC epoch ns


def _as_date(value: date, name: str = "session_date") -> date:
    """``value`` as an IST calendar date; an aware datetime is converted, a naive one rejected."""
    if isinstance(value, datetime):
        return require_aware(value, name=name).astimezone(IST).date()
    if not isinstance(value, date):
        raise InvalidInput(name, f"expected a date, got {type(value).__name__}")
    return value


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch_ns(values: list[datetime]) -> np.ndarray:
    """Aware datetimes as int64 UTC epoch nanoseconds (exact integer arithmetic)."""
    micros = [(v - _EPOCH) // timedelta(microseconds=1) for v in values]
    return np.array(micros, dtype=np.int64) * np.int64(1_000)


class TradingCalendar:
    """Sessions of one exchange (NSE or BSE), built from the library plus dated overrides.

    Parameters
    ----------
    exchange : Exchange or str
        NSE or BSE; NFO and BFO map to their cash exchange.
    overrides : OverrideTable, optional
        Corrections applied on top of the library; the built-in table by default.
    """

    def __init__(self, exchange: Exchange | str, overrides: OverrideTable | None = None) -> None:
        self._exchange = calendar_exchange(exchange)
        self._overrides = BUILTIN_OVERRIDES if overrides is None else overrides
        self._years: dict[int, _Year] = {}
        self._library: Any = None
        self._cache = LibrarySessionCache(_LIBRARY_NAMES[self._exchange])

    def __repr__(self) -> str:
        return f"TradingCalendar({self._exchange.value}, {len(self._overrides)} override rows)"

    @property
    def exchange(self) -> Exchange:
        """The cash exchange whose sessions this calendar holds."""
        return self._exchange

    @property
    def overrides(self) -> OverrideTable:
        """The override table applied on top of the library calendar."""
        return self._overrides

    # ----------------------------------------------------------------------------- building years
    def _library_calendar(self) -> Any:
        if self._library is None:
            import pandas_market_calendars as mcal

            self._library = mcal.get_calendar(_LIBRARY_NAMES[self._exchange])
        return self._library

    @cached_property
    def library_last_year(self) -> int:
        """The last year for which the library has holiday data (later years are provisional)."""
        cached = self._cache.last_year
        if cached is not None:
            return cached
        return max(day.year for day in self._library_calendar().adhoc_holidays)

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is None:
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ScheduleNotFound(
                    f"{self._exchange.value} calendar covers {FIRST_YEAR}..{LAST_YEAR}; {year} is outside"
                )
            cached = self._years[year] = self._build_year(year)
        return cached

    def _build_year(self, year: int) -> _Year:
        by_date = {s.session_date: s for s in self._library_sessions(year)}
        for row in self._overrides.for_year(self._exchange, year):
            if row.action is OverrideAction.HOLIDAY:
                by_date.pop(row.session_date, None)
            else:
                by_date[row.session_date] = row.to_session()
        sessions = tuple(by_date[d] for d in sorted(by_date))
        days = np.array([s.session_date for s in sessions], dtype="datetime64[D]")
        open_ns = _epoch_ns([s.open_at for s in sessions])
        close_ns = _epoch_ns([s.close_at for s in sessions])
        for array in (days, open_ns, close_ns):
            array.setflags(write=False)
        return _Year(sessions, [s.session_date for s in sessions], days, open_ns, close_ns)

    def _library_sessions(self, year: int) -> list[Session]:
        rows = self._cache.year(year)  # the library's answer kept on disk: no import, no schedule
        if rows is None:
            schedule = self._library_calendar().schedule(f"{year}-01-01", f"{year}-12-31")
            rows = [
                (label.date(), opened.to_pydatetime().astimezone(IST), closed.to_pydatetime().astimezone(IST))
                for label, opened, closed in zip(
                    schedule.index, schedule["market_open"], schedule["market_close"], strict=True
                )
            ]
            self._cache.store(year, rows, self.library_last_year)
        provisional = year > self.library_last_year
        return [_library_session(day, open_at, close_at, provisional) for day, open_at, close_at in rows]

    # ----------------------------------------------------------------------------- look-ups
    def sessions(self, start: date, end: date) -> list[Session]:
        """Sessions with ``start <= session_date <= end`` (both IST dates, inclusive), in date order.

        Raises
        ------
        InvalidInput
            If ``end`` is before ``start``.
        ScheduleNotFound
            If the range leaves the covered years.
        """
        start, end = self._range(start, end)
        found: list[Session] = []
        for year in range(start.year, end.year + 1):
            table = self._year(year)
            lo = bisect.bisect_left(table.dates, start)
            hi = bisect.bisect_right(table.dates, end)
            found.extend(table.sessions[lo:hi])
        return found

    def holidays(self, start: date, end: date) -> list[date]:
        """Weekdays (Mon-Fri) in ``[start, end]`` that are not sessions: the exchange's weekday holidays."""
        start, end = self._range(start, end)
        trading = {s.session_date for s in self.sessions(start, end)}
        days = (start + timedelta(days=i) for i in range((end - start).days + 1))
        return [d for d in days if d.weekday() < 5 and d not in trading]

    def is_session(self, session_date: date) -> bool:
        """True if the exchange trades on ``session_date`` (an IST date)."""
        day = _as_date(session_date)
        table = self._year(day.year)
        i = bisect.bisect_left(table.dates, day)
        return i < len(table.dates) and table.dates[i] == day

    def session(self, session_date: date) -> Session:
        """The session on ``session_date``.

        Raises
        ------
        NotASessionError
            If the day is a weekend day or a holiday of the exchange.
        """
        day = _as_date(session_date)
        table = self._year(day.year)
        i = bisect.bisect_left(table.dates, day)
        if i < len(table.dates) and table.dates[i] == day:
            return table.sessions[i]
        reason = "a weekend day" if day.weekday() >= 5 else "an exchange holiday"
        raise NotASessionError(f"{self._exchange.value} has no session on {day} ({day:%A}, {reason})")

    def next_session(self, session_date: date) -> Session:
        """The first session strictly after ``session_date``."""
        day = _as_date(session_date)
        for year in range(day.year, LAST_YEAR + 1):
            table = self._year(year)
            i = bisect.bisect_right(table.dates, day)
            if i < len(table.sessions):
                return table.sessions[i]
        raise ScheduleNotFound(f"{self._exchange.value}: no session after {day} before {LAST_YEAR + 1}")

    def previous_session(self, session_date: date) -> Session:
        """The last session strictly before ``session_date``."""
        found = self.sessions_before(session_date, 1)
        return found[0]

    def sessions_before(self, session_date: date, n: int) -> list[Session]:
        """The ``n`` sessions strictly before ``session_date``, oldest first.

        Raises
        ------
        InvalidInput
            If ``n`` is negative.
        ScheduleNotFound
            If fewer than ``n`` sessions exist before the date within the covered years.
        """
        if n < 0:
            raise InvalidInput("n", f"must be >= 0, got {n}")
        day = _as_date(session_date)
        found: list[Session] = []
        year = day.year
        while len(found) < n:
            if year < FIRST_YEAR:
                raise ScheduleNotFound(
                    f"{self._exchange.value}: fewer than {n} sessions before {day} since {FIRST_YEAR}"
                )
            table = self._year(year)
            i = bisect.bisect_left(table.dates, day)
            found = list(table.sessions[max(0, i - (n - len(found))) : i]) + found
            year -= 1
        return found

    def is_open(self, at: datetime) -> bool:
        """True if trading is on at the aware instant ``at``: in ``[open_at, close_at)``, no break."""
        day = require_aware(at, name="at").astimezone(IST).date()
        if not self.is_session(day):
            return False
        return self.session(day).contains(at)

    # ----------------------------------------------------------------------------- engine views
    def session_bounds(self, start: date, end: date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vectorised session bounds for ``start <= session_date <= end``.

        Returns
        -------
        dates : numpy.ndarray of datetime64[D]
            Session dates (IST calendar days), ascending.
        open_ns, close_ns : numpy.ndarray of int64
            Open and close instants as UTC epoch nanoseconds. Intra-session breaks (DR-site drill
            days) are not represented here; use :meth:`minute_grid` or :attr:`Session.breaks`.
        """
        start, end = self._range(start, end)
        parts = [self._year(year) for year in range(start.year, end.year + 1)]
        days = np.concatenate([p.days for p in parts])
        open_ns = np.concatenate([p.open_ns for p in parts])
        close_ns = np.concatenate([p.close_ns for p in parts])
        keep = (days >= np.datetime64(start, "D")) & (days <= np.datetime64(end, "D"))
        return days[keep], open_ns[keep], close_ns[keep]

    def minute_grid(self, session_date: date) -> pd.DatetimeIndex:
        """Start times (IST) of the one-minute bars of the session on ``session_date``.

        A regular session gives 375 bars, 09:15 .. 15:29; minutes inside a break are left out.

        Raises
        ------
        NotASessionError
            If the day is not a session.
        """
        import pandas as pd

        session = self.session(session_date)
        grid = pd.date_range(session.open_at, session.close_at, freq="1min", inclusive="left")
        for start, end in session.breaks:
            grid = grid[(grid < start) | (grid >= end)]
        return grid

    def _range(self, start: date, end: date) -> tuple[date, date]:
        first, last = _as_date(start, "start"), _as_date(end, "end")
        if last < first:
            raise InvalidInput("end", f"{last} is before start {first}")
        return first, last


def _library_session(day: date, open_at: datetime, close_at: datetime, provisional: bool) -> Session:
    """A session from library times: non-standard opens are Muhurat (the library's special opens
    are all Diwali sessions), other non-standard times are ``special``."""
    open_time, close_time = open_at.time(), close_at.time()
    if open_time == REGULAR_OPEN:
        pre_open = ist_at(day, PRE_OPEN_ORDER_ENTRY_START)
        kind = SessionKind.REGULAR if close_time == REGULAR_CLOSE else SessionKind.SPECIAL
    else:
        pre_open = open_at - DEFAULT_PRE_OPEN_LEAD
        kind = SessionKind.MUHURAT
    return Session(day, open_at, close_at, pre_open, kind, provisional=provisional)


@cache
def _cached_calendar(exchange: Exchange) -> TradingCalendar:
    return TradingCalendar(exchange)


def get_calendar(exchange: Exchange | str = Exchange.NSE) -> TradingCalendar:
    """The shared, cached calendar of ``exchange`` with the built-in overrides (NFO -> NSE, BFO -> BSE)."""
    return _cached_calendar(calendar_exchange(exchange))
