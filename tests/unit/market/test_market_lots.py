"""F&O lot sizes by expiry and as of a date, built-in rows and CSV loading."""

from __future__ import annotations

from datetime import date

import pytest

from vyapari.core.errors import DataError, InvalidInput, ScheduleNotFound
from vyapari.market.lots import (
    BUILTIN_LOT_SIZES,
    LotSizeRow,
    LotSizeTable,
    lot_size,
    lot_size_as_of,
)

CHANGE = date(2025, 12, 30)  # FAOP70616: new lots for contracts expiring after this date


@pytest.mark.parametrize(
    ("underlying", "old", "new"),
    [("NIFTY", 75, 65), ("BANKNIFTY", 35, 30), ("FINNIFTY", 65, 60), ("MIDCPNIFTY", 140, 120),
     ("NIFTYNXT50", 25, 25)],
)
def test_lot_size_changes_for_contracts_expiring_after_2025_12_30(underlying, old, new):
    assert lot_size(underlying, CHANGE) == old
    assert lot_size(underlying, date(2025, 12, 31)) == new
    assert lot_size(underlying, date(2026, 1, 27)) == new


@pytest.mark.parametrize(
    ("on", "expected"),
    [(date(2025, 11, 15), 75), (CHANGE, 75), (date(2025, 12, 31), 65), (date(2026, 7, 1), 65)],
)
def test_lot_size_as_of_nifty_across_the_2025_12_30_change(on, expected):
    assert lot_size_as_of("NIFTY", on) == expected


def test_lot_size_banknifty_history_30_35_30():
    assert lot_size("BANKNIFTY", date(2025, 6, 26)) == 30
    assert lot_size("BANKNIFTY", date(2025, 7, 31)) == 35
    assert lot_size("BANKNIFTY", date(2026, 1, 27)) == 30


def test_lot_size_is_case_insensitive_on_the_underlying():
    assert lot_size(" nifty ", date(2026, 1, 27)) == 65


def test_lot_size_unknown_underlying_raises_schedule_not_found():
    with pytest.raises(ScheduleNotFound, match="no lot sizes for underlying 'RELIANCE'"):
        lot_size("RELIANCE", date(2026, 1, 27))


def test_lot_size_before_the_first_row_raises_schedule_not_found():
    with pytest.raises(ScheduleNotFound, match="table starts with expiries after 2024-12-26"):
        lot_size_as_of("NIFTY", date(2024, 12, 26))
    assert lot_size("NIFTY", date(2024, 12, 27)) == 75


def test_lot_size_table_loads_from_csv_text_and_file(tmp_path):
    text = "underlying,lot_size,expiring_after,source\nRELIANCE,500,2025-12-30,instrument master\n"
    table = LotSizeTable.from_csv(text)
    assert table.lot_size("reliance", date(2026, 1, 27)) == 500
    path = tmp_path / "lots.csv"
    path.write_text(BUILTIN_LOT_SIZES.to_csv(), encoding="utf-8")
    loaded = LotSizeTable.from_csv(path)
    assert loaded.underlyings == BUILTIN_LOT_SIZES.underlyings
    assert loaded.rows_for("NIFTY") == BUILTIN_LOT_SIZES.rows_for("NIFTY")
    assert lot_size("NIFTY", date(2026, 1, 27), table=loaded) == 65


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("underlying,lot_size\nNIFTY,65\n", "missing column"),
        ("underlying,lot_size,expiring_after\nNIFTY,sixty,2025-12-30\n", "line 2: lot_size 'sixty'"),
        ("underlying,lot_size,expiring_after\nNIFTY,65,2025-12-30\nNIFTY,0,2026-06-30\n", "line 3"),
        ("underlying,lot_size,expiring_after\nNIFTY,65,30-12-2025\n", "line 2: expiring_after"),
        ("underlying,lot_size,expiring_after\n,65,2025-12-30\n", "line 2: underlying"),
    ],
)
def test_lot_size_table_bad_csv_raises_data_error_naming_the_line(text, message):
    with pytest.raises(DataError, match=message):
        LotSizeTable.from_csv(text)


def test_lot_size_table_extended_adds_and_replaces_rows():
    extra = LotSizeRow("NIFTY", 60, date(2026, 6, 30), "hypothetical revision")
    table = BUILTIN_LOT_SIZES.extended([extra, LotSizeRow("NIFTY", 70, CHANGE, "replacement")])
    assert table.lot_size("NIFTY", date(2026, 7, 28)) == 60
    assert table.lot_size("NIFTY", date(2026, 1, 27)) == 70
    assert BUILTIN_LOT_SIZES.lot_size("NIFTY", date(2026, 7, 28)) == 65, "the built-in table is unchanged"


def test_lot_size_rows_are_validated():
    with pytest.raises(InvalidInput, match="lot_size"):
        LotSizeRow("NIFTY", 0, CHANGE)
    with pytest.raises(InvalidInput, match="two rows for NIFTY"):
        LotSizeTable([LotSizeRow("NIFTY", 65, CHANGE), LotSizeRow("nifty", 60, CHANGE)])
