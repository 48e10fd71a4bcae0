"""``vyapari calendar``: NSE/BSE trading sessions between two dates, with open and close times in IST.

Examples
--------
``vyapari calendar --exchange NSE --from 2026-01-01 --to 2026-12-31`` prints a table of sessions
and weekday holidays and a count line; ``--json`` prints a JSON list of objects with
``session_date``, ``open_at``, ``close_at`` (ISO 8601 with the ``+05:30`` offset) and ``kind``
(``regular``, ``special`` or ``muhurat``). Heavy modules (pandas, the calendar library, rich) are
imported only when the command runs.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from vyapari.cli._common import date_arg, print_json
from vyapari.core.errors import InvalidInput
from vyapari.core.time import IST
from vyapari.model.enums import Exchange

if TYPE_CHECKING:
    from vyapari.market.calendar import TradingCalendar
    from vyapari.market.sessions import Session

DEFAULT_SPAN_DAYS = 30


def register(subparsers: Any, name: str, help_text: str) -> None:
    """Add the ``calendar`` sub-command to ``subparsers`` (an argparse sub-parsers action)."""
    parser = subparsers.add_parser(
        name,
        help=help_text,
        description=help_text + ". Times are IST; derivative segments use their exchange (NFO -> NSE).",
    )
    parser.add_argument(
        "--exchange", type=str.upper, choices=[e.value for e in Exchange], default="NSE",
        help="exchange (default NSE)",
    )
    parser.add_argument(
        "--from", dest="start", type=date_arg, metavar="YYYY-MM-DD", help="first date (default: today, IST)"
    )
    parser.add_argument(
        "--to", dest="end", type=date_arg, metavar="YYYY-MM-DD",
        help=f"last date, inclusive (default: --from + {DEFAULT_SPAN_DAYS} days)",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``vyapari calendar`` with parsed ``args``; returns the exit status."""
    start, end = _date_range(args.start, args.end)
    from vyapari.market.calendar import get_calendar

    calendar = get_calendar(args.exchange)
    sessions = calendar.sessions(start, end)
    if args.json:
        print_json([session_record(s) for s in sessions])
    else:
        _print_table(calendar, sessions, start, end)
    return 0


def _date_range(start: date | None, end: date | None) -> tuple[date, date]:
    """Validate ``--from``/``--to`` (defaults: today IST, and 30 days on); errors name the argument."""
    from vyapari.market.calendar import FIRST_YEAR, LAST_YEAR

    first = start or datetime.now(IST).date()
    last = end or first + timedelta(days=DEFAULT_SPAN_DAYS)
    if last < first:
        raise InvalidInput("--to", f"{last} is before --from {first}")
    if first.year < FIRST_YEAR:
        raise InvalidInput("--from", f"{first} is before {FIRST_YEAR}, the first year the calendar covers")
    if last.year > LAST_YEAR:
        raise InvalidInput("--to", f"{last} is after {LAST_YEAR}, the last year the calendar covers")
    return first, last


def session_record(session: Session) -> dict[str, str]:
    """The JSON object of one session: ``session_date``, ``open_at``, ``close_at`` (ISO, +05:30), ``kind``."""
    return {
        "session_date": session.session_date.isoformat(),
        "open_at": session.open_at.astimezone(IST).isoformat(),
        "close_at": session.close_at.astimezone(IST).isoformat(),
        "kind": session.kind.value,
    }


def _note(session: Session) -> str:
    parts = [f"break {a:%H:%M}-{b:%H:%M}" for a, b in session.breaks]
    if session.session_date.weekday() >= 5:
        parts.append("weekend")
    if session.provisional:
        parts.append("provisional times")
    return ", ".join(parts)


def _print_table(calendar: TradingCalendar, sessions: list[Session], start: date, end: date) -> None:
    from rich.console import Console
    from rich.table import Table

    exchange = calendar.exchange.value
    holidays = calendar.holidays(start, end)
    table = Table(title=f"{exchange} sessions {start} .. {end} (IST)", title_justify="left")
    for column in ("date", "day", "kind", "pre-open", "open", "close", "note"):
        table.add_column(column, no_wrap=column != "note")
    rows: list[tuple[date, tuple[str, ...]]] = [
        (s.session_date, (s.kind.value, f"{s.pre_open_at:%H:%M}", f"{s.open_at:%H:%M}",
                          f"{s.close_at:%H:%M}", _note(s)))
        for s in sessions
    ]
    rows += [(d, ("holiday", "-", "-", "-", "")) for d in holidays]
    for day, cells in sorted(rows):
        style = "dim" if cells[0] == "holiday" else None
        table.add_row(day.isoformat(), f"{day:%a}", *cells, style=style)
    console = Console(highlight=False)
    console.print(table)
    console.print(_count_line(exchange, sessions, len(holidays), start, end))


def _count_line(exchange: str, sessions: list[Session], holidays: int, start: date, end: date) -> str:
    kinds = [s.kind.value for s in sessions]
    extra = [f"{kinds.count(k)} {k}" for k in ("special", "muhurat") if k in kinds]
    provisional = sum(s.provisional for s in sessions)
    if provisional:
        extra.append(f"{provisional} provisional")
    detail = f" ({', '.join(extra)})" if extra else ""
    return f"{len(sessions)} sessions{detail} and {holidays} weekday holidays on {exchange}, {start} .. {end}"
