"""The calendar override table: built-in rows and editing by date, per exchange."""

from __future__ import annotations

from collections import Counter
from datetime import date, time

import pytest

from vyapari.core.errors import InvalidInput
from vyapari.market.override_data import BUILTIN_OVERRIDES
from vyapari.market.overrides import (
    CalendarOverride,
    OverrideAction,
    OverrideTable,
    calendar_exchange,
    describe,
)
from vyapari.market.sessions import SessionKind
from vyapari.model.enums import Exchange

SINGLE_EXCHANGE_ROWS = {
    (Exchange.BSE, date(2020, 5, 25)),
    (Exchange.BSE, date(2020, 7, 31)),
}


def test_overrides_every_builtin_row_names_its_source():
    assert len(BUILTIN_OVERRIDES) > 30
    assert all(len(row.source) > 20 for row in BUILTIN_OVERRIDES)


def test_overrides_builtin_rows_cover_both_exchanges_except_documented_ones():
    per_date = Counter(row.session_date for row in BUILTIN_OVERRIDES)
    singles = {(r.exchange, r.session_date) for r in BUILTIN_OVERRIDES if per_date[r.session_date] == 1}
    assert singles == SINGLE_EXCHANGE_ROWS


def test_overrides_only_the_2026_muhurat_is_provisional():
    provisional = [(r.exchange, r.session_date) for r in BUILTIN_OVERRIDES if r.provisional]
    assert provisional == [(Exchange.BSE, date(2026, 11, 8)), (Exchange.NSE, date(2026, 11, 8))]


def test_overrides_table_rejects_two_rows_for_one_exchange_and_date():
    row = CalendarOverride(Exchange.NSE, date(2026, 3, 4), OverrideAction.HOLIDAY, source="x circular")
    with pytest.raises(InvalidInput, match="two rows for NSE 2026-03-04"):
        OverrideTable([row, row])


def test_overrides_with_session_replaces_and_without_removes():
    table = OverrideTable().with_session("NFO", date(2026, 3, 7), time(9, 15), time(15, 30), source="c1")
    row = table.get(Exchange.NSE, date(2026, 3, 7))
    assert row is not None and row.exchange is Exchange.NSE and row.pre_open_time == time(9, 0)
    retimed = table.with_session("NSE", date(2026, 3, 7), time(10, 0), time(11, 0), source="c2")
    moved = retimed.get("NSE", date(2026, 3, 7))
    assert len(retimed) == 1 and moved is not None and moved.pre_open_time == time(9, 45)
    assert len(retimed.without("NSE", date(2026, 3, 7))) == 0
    assert len(table) == 1, "tables are immutable"
    with pytest.raises(InvalidInput, match="no override for BSE 2026-03-07"):
        table.without("BSE", date(2026, 3, 7))


def test_overrides_for_year_filters_by_exchange_and_year():
    rows = BUILTIN_OVERRIDES.for_year("BSE", 2020)
    assert [r.session_date for r in rows] == [date(2020, 2, 1), date(2020, 5, 25), date(2020, 7, 31),
                                              date(2020, 11, 14)]
    assert all(r.exchange is Exchange.BSE for r in rows)


def test_overrides_row_validation_names_the_problem():
    with pytest.raises(InvalidInput, match="needs a source"):
        CalendarOverride(Exchange.NSE, date(2026, 3, 4), OverrideAction.HOLIDAY, source=" ")
    day = date(2026, 3, 4)
    with pytest.raises(InvalidInput, match="cannot carry times"):
        CalendarOverride(Exchange.NSE, day, OverrideAction.HOLIDAY, source="c", open_time=time(9))
    with pytest.raises(InvalidInput, match="needs kind, open and close"):
        CalendarOverride(Exchange.NSE, day, OverrideAction.SESSION, source="c", open_time=time(9))
    with pytest.raises(InvalidInput, match="NSE 2026-03-04"):
        CalendarOverride(
            Exchange.NSE, date(2026, 3, 4), OverrideAction.SESSION, source="c",
            kind=SessionKind.SPECIAL, open_time=time(15), close_time=time(9),
        )


def test_overrides_holiday_row_is_not_a_session():
    row = CalendarOverride(Exchange.NSE, date(2026, 3, 4), OverrideAction.HOLIDAY, source="c")
    with pytest.raises(InvalidInput, match="holiday override"):
        row.to_session()


def test_overrides_calendar_exchange_maps_segments_and_rejects_unknown_names():
    assert calendar_exchange("bfo") is Exchange.BSE
    assert calendar_exchange(Exchange.NFO) is Exchange.NSE
    with pytest.raises(InvalidInput, match="exchange"):
        calendar_exchange("LSE")


def _described(exchange: str, day: date) -> str:
    row = BUILTIN_OVERRIDES.get(exchange, day)
    assert row is not None, f"no built-in override for {exchange} {day}"
    return describe(row)


def test_overrides_describe_is_one_readable_line():
    assert _described("NSE", date(2024, 3, 2)) == "NSE 2024-03-02 special 09:15-12:30 break 10:00-11:30"
    assert _described("BSE", date(2026, 11, 8)).endswith("muhurat 18:00-19:00 (provisional)")
    assert _described("NSE", date(2026, 1, 15)) == "NSE 2026-01-15 holiday"
