"""Session-time constants and the Session record."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from vyapari.core.time import IST, ist_at
from vyapari.market.calendar import get_calendar
from vyapari.market.sessions import (
    CLOSING_SESSION_END,
    CLOSING_SESSION_START,
    MIS_SQUARE_OFF,
    PRE_OPEN_MATCHING_END,
    PRE_OPEN_MATCHING_START,
    PRE_OPEN_ORDER_ENTRY_END,
    PRE_OPEN_ORDER_ENTRY_START,
    REGULAR_BARS_PER_SESSION,
    REGULAR_CLOSE,
    REGULAR_OPEN,
    Session,
    SessionKind,
    mis_square_off_at,
    regular_session,
)

DAY = date(2026, 1, 2)


def test_session_constants_follow_the_exchange_timetable():
    assert (time(9, 0), time(9, 8)) == (PRE_OPEN_ORDER_ENTRY_START, PRE_OPEN_ORDER_ENTRY_END)
    assert (time(9, 8), time(9, 12)) == (PRE_OPEN_MATCHING_START, PRE_OPEN_MATCHING_END)
    assert (time(9, 15), time(15, 30)) == (REGULAR_OPEN, REGULAR_CLOSE)
    assert (time(15, 40), time(16, 0)) == (CLOSING_SESSION_START, CLOSING_SESSION_END)
    assert time(15, 20) == MIS_SQUARE_OFF
    open_minute = REGULAR_OPEN.hour * 60 + REGULAR_OPEN.minute
    minutes = REGULAR_CLOSE.hour * 60 + REGULAR_CLOSE.minute - open_minute
    assert minutes == REGULAR_BARS_PER_SESSION == 375


def test_session_kind_values_are_the_public_names():
    assert [k.value for k in SessionKind] == ["regular", "special", "muhurat"]


def test_session_regular_session_has_standard_times_and_375_minutes():
    session = regular_session(DAY)
    assert session.pre_open_at == ist_at(DAY, time(9, 0))
    assert session.trading_minutes == 375
    assert session.is_regular_hours and session.kind is SessionKind.REGULAR


def test_session_normalises_aware_instants_to_ist():
    session = Session(
        DAY,
        open_at=datetime(2026, 1, 2, 3, 45, tzinfo=UTC),
        close_at=datetime(2026, 1, 2, 10, 0, tzinfo=UTC),
        pre_open_at=datetime(2026, 1, 2, 3, 30, tzinfo=UTC),
    )
    assert session.open_at.tzinfo is IST and session.open_at.hour == 9
    assert session == regular_session(DAY)


def test_session_rejects_naive_datetimes():
    with pytest.raises(ValueError, match="naive"):
        Session(DAY, datetime(2026, 1, 2, 9, 15), ist_at(DAY, time(15, 30)), ist_at(DAY, time(9, 0)))


@pytest.mark.parametrize(
    ("pre_open", "open_", "close"),
    [(time(9, 0), time(15, 30), time(9, 15)), (time(9, 20), time(9, 15), time(15, 30))],
)
def test_session_rejects_times_out_of_order(pre_open, open_, close):
    with pytest.raises(ValueError, match="pre_open_at <= open_at < close_at"):
        Session(DAY, ist_at(DAY, open_), ist_at(DAY, close), ist_at(DAY, pre_open))


def test_session_rejects_an_instant_on_another_day():
    with pytest.raises(ValueError, match="not on session date"):
        next_day = DAY + timedelta(days=1)
        Session(DAY, ist_at(DAY, time(9, 15)), ist_at(next_day, time(1, 0)), ist_at(DAY, time(9)))


def test_session_rejects_a_break_outside_the_session():
    with pytest.raises(ValueError, match="breaks"):
        Session(
            DAY, ist_at(DAY, time(9, 15)), ist_at(DAY, time(12, 30)), ist_at(DAY, time(9, 0)),
            breaks=((ist_at(DAY, time(12, 0)), ist_at(DAY, time(13, 0))),),
        )


def test_session_contains_excludes_the_close_and_breaks():
    session = get_calendar("NSE").session(date(2024, 3, 2))
    assert session.contains(ist_at(date(2024, 3, 2), time(9, 15)))
    assert not session.contains(ist_at(date(2024, 3, 2), time(10, 0)))
    assert not session.contains(ist_at(date(2024, 3, 2), time(12, 30)))
    assert not session.is_regular_hours


def test_mis_square_off_is_1520_on_regular_days_and_ten_minutes_before_other_closes():
    assert mis_square_off_at(regular_session(DAY)) == ist_at(DAY, MIS_SQUARE_OFF)
    muhurat = get_calendar("NSE").session(date(2025, 10, 21))
    assert mis_square_off_at(muhurat) == ist_at(date(2025, 10, 21), time(14, 35))
