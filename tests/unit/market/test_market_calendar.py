"""TradingCalendar: special sessions, holidays, navigation, instants and the engine's array views."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import numpy as np
import pytest

from vyapari.core.errors import InvalidInput, ScheduleNotFound
from vyapari.core.time import IST, ist_at
from vyapari.market.calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    NotASessionError,
    TradingCalendar,
    get_calendar,
)
from vyapari.market.override_data import BUILTIN_OVERRIDES
from vyapari.market.sessions import SessionKind
from vyapari.model.enums import Exchange

BOTH = [Exchange.NSE, Exchange.BSE]

# Facts file B.2: the 2026 weekday holidays (NSE list of 15 plus 15-Jan BMC elections).
HOLIDAYS_2026 = [
    date(2026, 1, 15), date(2026, 1, 26), date(2026, 3, 3), date(2026, 3, 26), date(2026, 3, 31),
    date(2026, 4, 3), date(2026, 4, 14), date(2026, 5, 1), date(2026, 5, 28), date(2026, 6, 26),
    date(2026, 9, 14), date(2026, 10, 2), date(2026, 10, 20), date(2026, 11, 10), date(2026, 11, 24),
    date(2026, 12, 25),
]


def hm(value: datetime) -> tuple[int, int]:
    return value.hour, value.minute


@pytest.mark.parametrize("exchange", BOTH)
def test_calendar_sunday_2026_02_01_budget_is_a_special_session_with_regular_hours(exchange):
    session = get_calendar(exchange).session(date(2026, 2, 1))
    assert session.kind is SessionKind.SPECIAL
    assert (hm(session.pre_open_at), hm(session.open_at), hm(session.close_at)) == ((9, 0), (9, 15), (15, 30))


@pytest.mark.parametrize("exchange", BOTH)
def test_calendar_muhurat_2025_10_21_runs_1345_to_1445_with_pre_open_1330(exchange):
    session = get_calendar(exchange).session(date(2025, 10, 21))
    assert session.kind is SessionKind.MUHURAT
    times = (hm(session.pre_open_at), hm(session.open_at), hm(session.close_at))
    assert times == ((13, 30), (13, 45), (14, 45))
    assert not session.provisional


@pytest.mark.parametrize("exchange", BOTH)
def test_calendar_muhurat_2024_11_01_runs_1800_to_1900(exchange):
    session = get_calendar(exchange).session(date(2024, 11, 1))
    assert session.kind is SessionKind.MUHURAT
    assert (hm(session.open_at), hm(session.close_at)) == ((18, 0), (19, 0))
    assert hm(session.pre_open_at) == (17, 45)


@pytest.mark.parametrize("exchange", BOTH)
def test_calendar_muhurat_2026_11_08_is_included_with_provisional_times(exchange):
    session = get_calendar(exchange).session(date(2026, 11, 8))
    assert session.kind is SessionKind.MUHURAT
    assert session.provisional
    assert session.session_date.weekday() == 6


@pytest.mark.parametrize("exchange", BOTH)
def test_calendar_2026_01_15_is_a_holiday_and_session_raises_a_clear_error(exchange):
    calendar = get_calendar(exchange)
    assert not calendar.is_session(date(2026, 1, 15))
    with pytest.raises(NotASessionError, match=r"no session on 2026-01-15 \(Thursday, an exchange holiday\)"):
        calendar.session(date(2026, 1, 15))
    with pytest.raises(NotASessionError, match="weekend"):
        calendar.session(date(2026, 1, 17))


@pytest.mark.parametrize("exchange", BOTH)
def test_calendar_2024_01_20_saturday_is_a_full_special_session(exchange):
    session = get_calendar(exchange).session(date(2024, 1, 20))
    assert session.kind is SessionKind.SPECIAL
    assert session.is_regular_hours
    assert len(get_calendar(exchange).minute_grid(date(2024, 1, 20))) == 375


@pytest.mark.parametrize("day", [date(2024, 3, 2), date(2024, 5, 18)])
def test_calendar_dr_site_drill_saturdays_trade_in_two_segments(day):
    calendar = get_calendar(Exchange.NSE)
    session = calendar.session(day)
    assert session.kind is SessionKind.SPECIAL
    assert [(hm(a), hm(b)) for a, b in session.breaks] == [((10, 0), (11, 30))]
    assert (hm(session.open_at), hm(session.close_at)) == ((9, 15), (12, 30))
    grid = calendar.minute_grid(day)
    assert len(grid) == 45 + 60 == session.trading_minutes
    assert calendar.is_open(ist_at(day, time(9, 59))) and not calendar.is_open(ist_at(day, time(10, 30)))
    assert calendar.is_open(ist_at(day, time(11, 30)))


@pytest.mark.parametrize("exchange", BOTH)
@pytest.mark.parametrize("day", [date(2024, 1, 22), date(2024, 5, 20), date(2024, 11, 20)])
def test_calendar_2024_ad_hoc_holidays_are_not_sessions(exchange, day):
    assert not get_calendar(exchange).is_session(day)


@pytest.mark.parametrize("exchange", BOTH)
def test_calendar_2026_weekday_holidays_match_the_facts_file(exchange):
    assert get_calendar(exchange).holidays(date(2026, 1, 1), date(2026, 12, 31)) == HOLIDAYS_2026


def test_calendar_nse_and_bse_have_identical_sessions_2020_to_2026():
    nse = get_calendar(Exchange.NSE).sessions(date(2020, 1, 1), date(2026, 12, 31))
    bse = get_calendar(Exchange.BSE).sessions(date(2020, 1, 1), date(2026, 12, 31))
    assert [(s.session_date, s.open_at, s.close_at) for s in nse] == [
        (s.session_date, s.open_at, s.close_at) for s in bse
    ]


@pytest.mark.parametrize("exchange", BOTH)
@pytest.mark.parametrize("year", range(2020, 2028))
def test_calendar_each_year_2020_to_2027_has_a_plausible_number_of_sessions(exchange, year):
    sessions = get_calendar(exchange).sessions(date(year, 1, 1), date(year, 12, 31))
    assert 240 <= len(sessions) <= 262
    assert all(s.open_at.tzinfo is IST for s in sessions)


def test_calendar_bse_corrections_of_2020():
    bse = get_calendar(Exchange.BSE)
    assert not bse.is_session(date(2020, 5, 25))
    assert bse.session(date(2020, 7, 31)).kind is SessionKind.REGULAR


def test_calendar_2021_02_24_outage_extended_both_exchanges_to_1700():
    nse = get_calendar(Exchange.NSE).session(date(2021, 2, 24))
    bse = get_calendar(Exchange.BSE).session(date(2021, 2, 24))
    assert hm(nse.close_at) == hm(bse.close_at) == (17, 0)
    assert [(hm(a), hm(b)) for a, b in nse.breaks] == [((11, 40), (15, 45))]
    assert bse.breaks == ()


def test_calendar_regular_session_times_are_ist_0900_0915_1530():
    session = get_calendar(Exchange.NSE).session(date(2026, 1, 2))
    assert session.kind is SessionKind.REGULAR and not session.provisional
    assert session.pre_open_at == datetime(2026, 1, 2, 9, 0, tzinfo=IST)
    assert session.open_at == datetime(2026, 1, 2, 3, 45, tzinfo=UTC)
    assert session.close_at.isoformat() == "2026-01-02T15:30:00+05:30"


def test_calendar_minute_grid_has_375_bar_starts_from_0915_to_1529_ist():
    grid = get_calendar(Exchange.NSE).minute_grid(date(2026, 1, 2))
    assert len(grid) == 375
    assert grid[0] == datetime(2026, 1, 2, 9, 15, tzinfo=IST)
    assert grid[-1] == datetime(2026, 1, 2, 15, 29, tzinfo=IST)
    assert str(grid.tz) == "Asia/Kolkata"
    assert (np.diff(grid.asi8) == np.diff(grid.asi8)[0]).all()


def test_calendar_minute_grid_of_a_muhurat_session_has_60_bars():
    grid = get_calendar(Exchange.BSE).minute_grid(date(2025, 10, 21))
    assert len(grid) == 60 and grid[0].hour == 13 and grid[0].minute == 45


def test_calendar_next_and_previous_session_skip_weekends_and_holidays():
    calendar = get_calendar(Exchange.NSE)
    assert calendar.next_session(date(2026, 1, 14)).session_date == date(2026, 1, 16)
    assert calendar.previous_session(date(2026, 1, 16)).session_date == date(2026, 1, 14)
    assert calendar.next_session(date(2026, 1, 31)).session_date == date(2026, 2, 1)
    assert calendar.next_session(date(2025, 12, 31)).session_date == date(2026, 1, 1)
    assert calendar.previous_session(date(2026, 1, 1)).session_date == date(2025, 12, 31)
    assert calendar.next_session(date(2026, 1, 2)).session_date == date(2026, 1, 5)


def test_calendar_sessions_before_returns_n_sessions_strictly_before_oldest_first():
    calendar = get_calendar(Exchange.NSE)
    found = calendar.sessions_before(date(2026, 1, 5), 4)
    assert [s.session_date for s in found] == [date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 1),
                                               date(2026, 1, 2)]
    long = calendar.sessions_before(date(2026, 1, 5), 600)
    assert len(long) == 600 and long[-1].session_date == date(2026, 1, 2)
    assert [s.session_date for s in long] == sorted({s.session_date for s in long})
    assert calendar.sessions_before(date(2026, 1, 5), 0) == []
    with pytest.raises(InvalidInput, match="n: must be >= 0"):
        calendar.sessions_before(date(2026, 1, 5), -1)


def test_calendar_sessions_before_the_covered_years_raises():
    with pytest.raises(ScheduleNotFound):
        get_calendar(Exchange.NSE).sessions_before(date(FIRST_YEAR, 1, 10), 30)


def test_calendar_is_open_on_the_half_open_interval_of_continuous_trading():
    calendar = get_calendar(Exchange.NSE)
    day = date(2026, 1, 2)
    assert calendar.is_open(ist_at(day, time(9, 15)))
    assert calendar.is_open(ist_at(day, time(15, 29, 59)))
    assert not calendar.is_open(ist_at(day, time(15, 30)))
    assert not calendar.is_open(ist_at(day, time(9, 14, 59)))
    assert calendar.is_open(datetime(2026, 1, 2, 4, 0, tzinfo=UTC))
    assert not calendar.is_open(ist_at(date(2026, 1, 15), time(10, 0)))
    assert calendar.is_open(ist_at(date(2024, 11, 1), time(18, 30)))
    with pytest.raises(ValueError, match="naive"):
        calendar.is_open(datetime(2026, 1, 2, 10, 0))


def test_calendar_session_accepts_an_aware_datetime_and_rejects_a_naive_one():
    calendar = get_calendar(Exchange.NSE)
    late_utc = datetime(2026, 1, 1, 20, 0, tzinfo=UTC)  # 01:30 IST on 2 January
    assert calendar.session(late_utc).session_date == date(2026, 1, 2)
    with pytest.raises(ValueError, match="naive"):
        calendar.session(datetime(2026, 1, 2, 10, 0))


def test_calendar_session_bounds_match_the_sessions_as_utc_epoch_ns():
    calendar = get_calendar(Exchange.NSE)
    start, end = date(2025, 12, 20), date(2026, 2, 10)
    dates, open_ns, close_ns = calendar.session_bounds(start, end)
    sessions = calendar.sessions(start, end)
    assert dates.dtype == np.dtype("datetime64[D]") and open_ns.dtype == close_ns.dtype == np.int64
    assert dates.tolist() == [s.session_date for s in sessions]
    assert open_ns.tolist() == [int(s.open_at.timestamp()) * 10**9 for s in sessions]
    assert close_ns.tolist() == [int(s.close_at.timestamp()) * 10**9 for s in sessions]
    first_open = np.datetime64(int(open_ns[0]), "ns")
    assert str(first_open) == "2025-12-22T03:45:00.000000000"


def test_calendar_session_bounds_of_an_empty_range_are_empty_arrays():
    dates, open_ns, close_ns = get_calendar(Exchange.NSE).session_bounds(date(2026, 1, 17), date(2026, 1, 18))
    assert len(dates) == len(open_ns) == len(close_ns) == 0


def test_calendar_sessions_rejects_an_end_before_the_start():
    with pytest.raises(InvalidInput, match="end: 2026-01-01 is before start 2026-02-01"):
        get_calendar(Exchange.NSE).sessions(date(2026, 2, 1), date(2026, 1, 1))


@pytest.mark.parametrize("day", [date(FIRST_YEAR - 1, 6, 1), date(LAST_YEAR + 1, 1, 2)])
def test_calendar_outside_the_covered_years_raises_schedule_not_found(day):
    with pytest.raises(ScheduleNotFound, match="calendar covers"):
        get_calendar(Exchange.NSE).is_session(day)


def test_calendar_years_beyond_the_library_are_weekday_sessions_marked_provisional():
    calendar = get_calendar(Exchange.NSE)
    assert calendar.library_last_year == 2026
    sessions = calendar.sessions(date(2027, 1, 1), date(2027, 12, 31))
    assert len(sessions) == 261 and all(s.provisional for s in sessions)
    assert all(s.session_date.weekday() < 5 for s in sessions)


def test_get_calendar_returns_one_cached_instance_per_exchange_and_maps_segments():
    assert get_calendar("NFO") is get_calendar(Exchange.NSE) is get_calendar("nse")
    assert get_calendar(Exchange.BFO) is get_calendar("BSE")
    assert get_calendar("BSE") is not get_calendar("NSE")


def test_calendar_unknown_exchange_raises_invalid_input():
    with pytest.raises(InvalidInput, match="exchange: 'MCX' is not one of"):
        get_calendar("MCX")


def test_calendar_builds_each_year_once(monkeypatch):
    calendar = TradingCalendar(Exchange.NSE)
    calls: list[int] = []
    original = calendar._library_sessions

    def counting(year: int):
        calls.append(year)
        return original(year)

    monkeypatch.setattr(calendar, "_library_sessions", counting)
    for _ in range(3):
        calendar.sessions(date(2025, 6, 1), date(2026, 6, 1))
        calendar.is_session(date(2026, 3, 3))
    assert sorted(calls) == [2025, 2026]


def test_calendar_override_table_adds_removes_and_retimes_by_date_per_exchange():
    table = (
        BUILTIN_OVERRIDES.with_holiday(Exchange.NSE, date(2026, 3, 4), source="test circular")
        .with_session(Exchange.NSE, date(2026, 3, 7), time(9, 15), time(15, 30), source="test circular")
        .with_session(Exchange.NSE, date(2026, 3, 5), time(9, 15), time(13, 0), source="test circular")
        .without(Exchange.NSE, date(2026, 2, 1))
    )
    nse, bse = TradingCalendar(Exchange.NSE, table), TradingCalendar(Exchange.BSE, table)
    assert not nse.is_session(date(2026, 3, 4)) and bse.is_session(date(2026, 3, 4))
    assert nse.session(date(2026, 3, 7)).kind is SessionKind.SPECIAL and not bse.is_session(date(2026, 3, 7))
    assert hm(nse.session(date(2026, 3, 5)).close_at) == (13, 0)
    assert not nse.is_session(date(2026, 2, 1)) and bse.is_session(date(2026, 2, 1))
    assert get_calendar(Exchange.NSE).is_session(date(2026, 3, 4)), "the shared calendar is unchanged"


def test_calendar_holidays_lists_weekday_non_sessions_only():
    holidays = get_calendar(Exchange.NSE).holidays(date(2026, 1, 10), date(2026, 2, 1))
    assert holidays == [date(2026, 1, 15), date(2026, 1, 26)]
    assert all(d.weekday() < 5 for d in holidays)
