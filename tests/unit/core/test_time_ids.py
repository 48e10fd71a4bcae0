from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vyapari.core.ids import ClientOrderIds, client_order_id, instrument_id, split_instrument_id
from vyapari.core.time import IST, assume_ist, ist_at, require_aware, to_ist


def test_require_aware_rejects_naive_datetimes():
    with pytest.raises(ValueError, match="naive"):
        require_aware(datetime(2026, 1, 1, 9, 15))


def test_to_ist_converts_utc_to_ist_wall_time():
    at = datetime(2025, 9, 4, 3, 45, tzinfo=UTC)
    assert to_ist(at).time() == time(9, 15)
    assert to_ist(at).utcoffset() == timedelta(hours=5, minutes=30)


def test_assume_ist_attaches_ist_to_naive_only():
    naive = datetime(2026, 2, 1, 9, 15)
    assert assume_ist(naive).utcoffset() == timedelta(hours=5, minutes=30)
    assert ist_at(date(2026, 2, 1), time(9, 15)) == assume_ist(naive)
    assert assume_ist(datetime(2026, 1, 1, 0, 0, tzinfo=UTC)).tzinfo == IST


def test_instrument_id_roundtrip():
    assert instrument_id("nse", "reliance") == "NSE:RELIANCE"
    assert split_instrument_id("NSE:RELIANCE") == ("NSE", "RELIANCE")
    with pytest.raises(ValueError):
        split_instrument_id("RELIANCE")


def test_client_order_id_is_deterministic_and_fits_kite_tags():
    a = client_order_id("run1", "sma", "2026-01-02T09:15", 0)
    assert a == client_order_id("run1", "sma", "2026-01-02T09:15", 0)
    assert a != client_order_id("run1", "sma", "2026-01-02T09:15", 1)
    assert len(a) == 20


@given(
    prefix=st.lists(st.one_of(st.text(), st.integers()), min_size=1, max_size=4),
    rest=st.lists(st.one_of(st.text(), st.integers()), min_size=1, max_size=3),
)
def test_client_order_ids_with_a_shared_prefix_are_the_client_order_ids(prefix, rest) -> None:
    assert ClientOrderIds(*prefix)(*rest) == client_order_id(*prefix, *rest)
    assert ClientOrderIds(*prefix, length=12)(*rest) == client_order_id(*prefix, *rest, length=12)
    head, more = prefix[:1], prefix[1:]
    assert ClientOrderIds(*head).extended(*more)(*rest) == client_order_id(*prefix, *rest)
    short = ClientOrderIds(*head, length=12).extended(*more)
    assert short(*rest) == client_order_id(*prefix, *rest, length=12)


def test_client_order_ids_need_a_part_after_the_prefix() -> None:
    with pytest.raises(TypeError, match="at least one part"):
        ClientOrderIds("run", "sma")()


@given(st.integers(min_value=-2_208_988_800 * 10**9, max_value=253_402_000_000 * 10**9))
def test_ist_from_ns_is_the_zone_conversion(ns: int) -> None:
    """The fixed-offset shortcut (IST since 1946) gives the zone database's answer, before and after."""
    from vyapari.core.time import ist_from_ns

    expected = datetime.fromtimestamp(ns // 10**9, IST).replace(microsecond=ns // 1000 % 1_000_000)
    got = ist_from_ns(ns)
    assert got == expected
    assert got.isoformat() == expected.isoformat()
    assert got.tzinfo is IST and got.fold == expected.fold
