"""As-of look-ups: the snapshot in force on a date, and the lots.py fallback across NIFTY 75 -> 65."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tests.unit.instruments.master_fakes import kite_csv, kite_rows

from vyapari.data.storage import MemoryObjectStore
from vyapari.instruments import InstrumentMaster, InstrumentNotFound, InstrumentSnapshots

FUT = "NFO:NIFTY26JANFUT"


@pytest.fixture
def master() -> InstrumentMaster:
    snapshots = InstrumentSnapshots(MemoryObjectStore())
    assert snapshots.publish("zerodha", date(2025, 12, 29), kite_csv(kite_rows(nifty_lot=75))).ok
    rows = kite_rows(nifty_lot=65, token_base=5000)
    assert snapshots.publish("zerodha", date(2025, 12, 31), kite_csv(rows)).ok
    return InstrumentMaster(snapshots, "zerodha")


def test_lot_size_as_of_follows_the_snapshot_in_force_across_nifty_change(master: InstrumentMaster) -> None:
    before = master.lot_size(FUT, date(2025, 12, 30))  # no snapshot that day: the 29th's is in force
    after = master.lot_size(FUT, date(2026, 1, 2))
    assert (before.value, before.source, before.fallback) == (75, "snapshot zerodha 2025-12-29", False)
    assert (after.value, after.source) == (65, "snapshot zerodha 2025-12-31")


def test_broker_token_is_the_one_of_that_day(master: InstrumentMaster) -> None:
    assert master.broker_token("NSE:STOCK3", date(2025, 12, 29)).value == "1003"
    assert master.broker_token("NSE:STOCK3", date(2026, 3, 2)).value == "5003"


def test_tick_and_expiry_come_from_the_snapshot(master: InstrumentMaster) -> None:
    assert master.tick_size(FUT, date(2026, 1, 2)).value == Decimal("0.1")
    assert master.expiry(FUT, date(2026, 1, 2)).value == date(2026, 1, 27)
    assert master.freeze_quantity(FUT, date(2026, 1, 2)).value is None  # Kite's dump has none


def test_before_the_first_snapshot_lot_size_falls_back_to_the_dated_table(master: InstrumentMaster) -> None:
    old = master.lot_size("NFO:NIFTY24JUNFUT", date(2025, 6, 2), underlying="NIFTY")
    assert (old.value, old.fallback) == (75, True)
    assert old.source.startswith("fallback: market.lots")


def test_fallback_without_snapshots_crosses_the_nifty_change() -> None:
    empty = InstrumentMaster(InstrumentSnapshots(MemoryObjectStore()), "zerodha")
    assert empty.lot_size(FUT, date(2025, 12, 30), underlying="NIFTY").value == 75
    assert empty.lot_size(FUT, date(2025, 12, 31), underlying="NIFTY").value == 65
    assert empty.lot_size(FUT, date(2025, 12, 1), underlying="NIFTY", expiry=date(2026, 1, 27)).value == 65
    assert empty.lot_size("NSE:RELIANCE", date(2024, 3, 1)).value == 1


def test_fallback_tick_uses_the_dated_bands() -> None:
    empty = InstrumentMaster(InstrumentSnapshots(MemoryObjectStore()), "zerodha")
    hit = empty.tick_size("NSE:RELIANCE", date(2025, 6, 2), price=Decimal("1400"))
    assert (hit.value, hit.fallback) == (Decimal("0.10"), True)


def test_lookups_without_any_source_raise_naming_the_instrument(master: InstrumentMaster) -> None:
    with pytest.raises(InstrumentNotFound, match="NFO:NIFTY24JUNFUT"):
        master.broker_token("NFO:NIFTY24JUNFUT", date(2025, 6, 2))
    with pytest.raises(InstrumentNotFound):
        master.lot_size("NFO:NIFTY24JUNFUT", date(2025, 6, 2))
