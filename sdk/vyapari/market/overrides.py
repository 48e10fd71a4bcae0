"""The calendar override table: dated corrections to the library calendars, per exchange.

``pandas_market_calendars`` knows weekday holidays and most weekday Muhurat sessions, but it misses
weekend sessions (Budget days, DR-site drills, weekend Muhurat), treats Muhurat days as holidays on
BSE since 2020, and carries no pre-open times. Each :class:`CalendarOverride` row states, for one
exchange and one date, either "this day is a session with these IST times" or "this day is a
holiday", with its source. A row always wins over the library for its date.

The built-in rows are in :mod:`vyapari.market.override_data`; an :class:`OverrideTable` is immutable
and edited by returning a new table (:meth:`OverrideTable.with_session`,
:meth:`OverrideTable.with_holiday`, :meth:`OverrideTable.without`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum

from vyapari.core.errors import InvalidInput
from vyapari.core.time import ist_at
from vyapari.market.sessions import (
    DEFAULT_PRE_OPEN_LEAD,
    PRE_OPEN_ORDER_ENTRY_START,
    REGULAR_OPEN,
    Session,
    SessionKind,
)
from vyapari.model.enums import Exchange

CALENDAR_EXCHANGES = (Exchange.NSE, Exchange.BSE)


class OverrideAction(StrEnum):
    """What an override row does to its date."""

    SESSION = "session"
    HOLIDAY = "holiday"


def calendar_exchange(exchange: Exchange | str) -> Exchange:
    """The exchange whose calendar applies: NSE or BSE (NFO -> NSE, BFO -> BSE).

    Raises
    ------
    InvalidInput
        For a name that is not an exchange.
    """
    if isinstance(exchange, str) and not isinstance(exchange, Exchange):
        try:
            exchange = Exchange(exchange.strip().upper())
        except ValueError:
            names = ", ".join(e.value for e in Exchange)
            raise InvalidInput("exchange", f"{exchange!r} is not one of {names}") from None
    return exchange.cash_exchange


@dataclass(frozen=True, slots=True)
class CalendarOverride:
    """One dated correction for one exchange.

    Attributes
    ----------
    exchange : Exchange
        NSE or BSE (NFO and BFO are stored as their cash exchange).
    session_date : date
        The day the row is about (IST).
    action : OverrideAction
        ``session`` (the day trades with the times below) or ``holiday`` (no trading).
    source : str
        Where the fact comes from: circular number and date, or the press/broker page quoting it.
    kind : SessionKind or None
        For a session: ``regular``, ``special`` or ``muhurat``.
    open_time, close_time : time or None
        Continuous-trading start and end, IST wall-clock.
    pre_open_time : time or None
        Pre-open order-entry start; defaults to 09:00 for a 09:15 open, else 15 minutes before open.
    breaks : tuple of (time, time)
        Intervals without continuous trading inside the session.
    provisional : bool
        The times are a documented placeholder, not yet notified by the exchange.
    note : str
        Anything a reader should know (conflicting sources, decisions).
    """

    exchange: Exchange
    session_date: date
    action: OverrideAction
    source: str
    kind: SessionKind | None = None
    open_time: time | None = None
    close_time: time | None = None
    pre_open_time: time | None = None
    breaks: tuple[tuple[time, time], ...] = ()
    provisional: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "exchange", calendar_exchange(self.exchange))
        if not self.source.strip():
            raise InvalidInput("source", f"override for {self.session_date} needs a source")
        if self.action is OverrideAction.HOLIDAY:
            times = (self.kind, self.open_time, self.close_time, self.pre_open_time)
            if any(value is not None for value in times) or self.breaks:
                raise InvalidInput("action", f"holiday override for {self.session_date} cannot carry times")
            return
        if self.kind is None or self.open_time is None or self.close_time is None:
            raise InvalidInput("kind", f"session override for {self.session_date} needs kind, open and close")
        if self.pre_open_time is None:
            object.__setattr__(self, "pre_open_time", _default_pre_open(self.session_date, self.open_time))
        self.to_session()  # validates ordering of the times and breaks

    def to_session(self) -> Session:
        """The :class:`Session` this row declares (raises ``InvalidInput`` for a holiday row)."""
        open_time, close_time, pre_open_time = self.open_time, self.close_time, self.pre_open_time
        if self.kind is None or open_time is None or close_time is None or pre_open_time is None:
            raise InvalidInput("action", f"{self.session_date} is a holiday override, not a session")
        day = self.session_date
        try:
            return Session(
                session_date=day,
                open_at=ist_at(day, open_time),
                close_at=ist_at(day, close_time),
                pre_open_at=ist_at(day, pre_open_time),
                kind=self.kind,
                breaks=tuple((ist_at(day, start), ist_at(day, end)) for start, end in self.breaks),
                provisional=self.provisional,
            )
        except ValueError as exc:
            raise InvalidInput("override", f"{self.exchange.value} {day}: {exc}") from None


def _default_pre_open(day: date, open_time: time) -> time:
    if open_time == REGULAR_OPEN:
        return PRE_OPEN_ORDER_ENTRY_START
    return (ist_at(day, open_time) - DEFAULT_PRE_OPEN_LEAD).time()


class OverrideTable:
    """An immutable set of :class:`CalendarOverride` rows, at most one per (exchange, date).

    Parameters
    ----------
    rows : iterable of CalendarOverride
        Two rows for the same exchange and date are an error.
    """

    def __init__(self, rows: Iterable[CalendarOverride] = ()) -> None:
        table: dict[tuple[Exchange, date], CalendarOverride] = {}
        for row in rows:
            key = (row.exchange, row.session_date)
            if key in table:
                raise InvalidInput("overrides", f"two rows for {row.exchange.value} {row.session_date}")
            table[key] = row
        self._rows = dict(sorted(table.items(), key=lambda item: (item[0][0].value, item[0][1])))

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[CalendarOverride]:
        return iter(self._rows.values())

    def __repr__(self) -> str:
        return f"OverrideTable({len(self)} rows)"

    def get(self, exchange: Exchange | str, session_date: date) -> CalendarOverride | None:
        """The row for ``exchange`` on ``session_date``, or None."""
        return self._rows.get((calendar_exchange(exchange), session_date))

    def for_year(self, exchange: Exchange | str, year: int) -> tuple[CalendarOverride, ...]:
        """All rows of ``exchange`` dated in calendar ``year``, by date."""
        ex = calendar_exchange(exchange)
        return tuple(row for (e, d), row in self._rows.items() if e is ex and d.year == year)

    def with_row(self, row: CalendarOverride) -> OverrideTable:
        """A new table with ``row`` added, replacing any row for the same exchange and date."""
        rows = {**self._rows, (row.exchange, row.session_date): row}
        return OverrideTable(rows.values())

    def with_session(
        self,
        exchange: Exchange | str,
        session_date: date,
        open_time: time,
        close_time: time,
        *,
        source: str,
        kind: SessionKind = SessionKind.SPECIAL,
        pre_open_time: time | None = None,
        breaks: tuple[tuple[time, time], ...] = (),
        provisional: bool = False,
        note: str = "",
    ) -> OverrideTable:
        """A new table where ``exchange`` trades on ``session_date`` from ``open_time`` to ``close_time`` IST.

        Adds a session on a weekend or holiday, or changes the times of an existing session.
        """
        row = CalendarOverride(
            exchange=calendar_exchange(exchange),
            session_date=session_date,
            action=OverrideAction.SESSION,
            source=source,
            kind=kind,
            open_time=open_time,
            close_time=close_time,
            pre_open_time=pre_open_time,
            breaks=breaks,
            provisional=provisional,
            note=note,
        )
        return self.with_row(row)

    def with_holiday(
        self, exchange: Exchange | str, session_date: date, *, source: str, note: str = ""
    ) -> OverrideTable:
        """A new table where ``exchange`` does not trade on ``session_date``."""
        row = CalendarOverride(
            calendar_exchange(exchange), session_date, OverrideAction.HOLIDAY, source=source, note=note
        )
        return self.with_row(row)

    def without(self, exchange: Exchange | str, session_date: date) -> OverrideTable:
        """A new table without the row for ``exchange`` on ``session_date`` (the library decides again)."""
        key = (calendar_exchange(exchange), session_date)
        if key not in self._rows:
            raise InvalidInput("session_date", f"no override for {key[0].value} {session_date}")
        return OverrideTable(row for k, row in self._rows.items() if k != key)


def describe(row: CalendarOverride) -> str:
    """A one-line human description of ``row``, e.g. ``NSE 2026-02-01 special 09:15-15:30``."""
    head = f"{row.exchange.value} {row.session_date.isoformat()}"
    if row.kind is None or row.open_time is None or row.close_time is None:
        return f"{head} holiday"
    times = f"{row.open_time:%H:%M}-{row.close_time:%H:%M}"
    breaks = "".join(f" break {a:%H:%M}-{b:%H:%M}" for a, b in row.breaks)
    flag = " (provisional)" if row.provisional else ""
    return f"{head} {row.kind.value} {times}{breaks}{flag}"
