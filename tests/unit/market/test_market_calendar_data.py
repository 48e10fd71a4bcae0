"""The NSE calendar against real bhavcopy files (one file per real session, 2025-08-28 .. 2026-07-23).

The data lives outside the repository (``../shared/data`` next to it); these tests skip with a
reason when it is absent.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from vyapari.market.calendar import get_calendar
from vyapari.model.enums import Exchange

BHAVCOPY_DIR = "nse_bhavcopy_reshaped"
FIRST_FILE_DATE = date(2025, 8, 28)
LAST_FILE_DATE = date(2026, 7, 23)
# Documented collection gaps of the data set (its README): not holidays, just missing files.
GAPS = (
    (date(2025, 12, 3), date(2026, 1, 9)),
    (date(2026, 4, 28), date(2026, 4, 28)),
)


def shared_data_dir() -> Path:
    """``<repo>/../shared/data``, located from this file (tests/unit/market/<file>)."""
    return Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


def bhavcopy_dates() -> list[date]:
    folder = shared_data_dir() / BHAVCOPY_DIR
    if not folder.is_dir():
        pytest.skip(f"real data not available: {folder} is absent (see the data README)")
    return sorted(datetime.strptime(p.stem, "%d%m%Y").date() for p in folder.glob("*.csv"))


def in_gap(day: date) -> bool:
    return any(start <= day <= end for start, end in GAPS)


def test_calendar_data_has_the_documented_195_files():
    days = bhavcopy_dates()
    assert len(days) == 195
    assert (days[0], days[-1]) == (FIRST_FILE_DATE, LAST_FILE_DATE)


def test_calendar_every_bhavcopy_file_date_is_an_nse_session():
    calendar = get_calendar(Exchange.NSE)
    not_sessions = [d for d in bhavcopy_dates() if not calendar.is_session(d)]
    assert not_sessions == []


def test_calendar_every_nse_session_in_the_data_range_has_a_file_except_collection_gaps():
    files = set(bhavcopy_dates())
    sessions = get_calendar(Exchange.NSE).sessions(FIRST_FILE_DATE, LAST_FILE_DATE)
    missing = [s.session_date for s in sessions if s.session_date not in files and not in_gap(s.session_date)]
    assert missing == []


def test_calendar_real_special_sessions_in_the_data_are_classified():
    files = set(bhavcopy_dates())
    calendar = get_calendar(Exchange.NSE)
    assert date(2026, 2, 1) in files and calendar.session(date(2026, 2, 1)).kind.value == "special"
    assert date(2025, 10, 21) in files and calendar.session(date(2025, 10, 21)).kind.value == "muhurat"


def test_calendar_no_file_exists_for_a_weekday_holiday_in_the_data_range():
    files = set(bhavcopy_dates())
    holidays = get_calendar(Exchange.NSE).holidays(FIRST_FILE_DATE, LAST_FILE_DATE)
    assert holidays, "the range has holidays (e.g. 2025-10-02)"
    assert sorted(files.intersection(holidays)) == []
