"""Instrument snapshots: parsing, checks before the swap, and yesterday staying live on a bad file."""

from __future__ import annotations

import gzip
from datetime import date
from decimal import Decimal

import pytest
from tests.unit.instruments.master_fakes import kite_csv, kite_rows, upstox_json

from vyapari.data.storage import MemoryObjectStore
from vyapari.instruments import (
    InstrumentFileError,
    InstrumentSnapshots,
    apply_freeze_quantities,
    parse_freeze_quantities,
    parse_kite_csv,
    parse_upstox_json,
)
from vyapari.instruments.snapshot import pointer_key, snapshot_key

D1, D2 = date(2026, 1, 2), date(2026, 1, 5)


@pytest.fixture
def snapshots() -> InstrumentSnapshots:
    store = InstrumentSnapshots(MemoryObjectStore())
    assert store.publish("zerodha", D1, kite_csv(kite_rows())).ok
    return store


def test_kite_dump_parses_lot_tick_expiry_and_underlying() -> None:
    parsed = parse_kite_csv(gzip.compress(kite_csv(kite_rows())))
    fut = next(r for r in parsed.records if r.instrument_id == "NFO:NIFTY26JANFUT")
    assert (fut.lot_size, fut.tick_size, fut.underlying) == (75, Decimal("0.1"), "NIFTY")
    assert fut.expiry == date(2026, 1, 27)
    assert fut.broker_token == "9001" and fut.freeze_quantity is None
    assert parsed.bad_rows == []


def test_upstox_dump_converts_paise_ticks_epoch_expiry_and_fo_exchange() -> None:
    rec = parse_upstox_json(upstox_json()).records[0]
    assert rec.instrument_id == "NFO:NIFTY26JANFUT" and rec.broker_token == "NSE_FO|49229"
    assert (rec.tick_size, rec.lot_size, rec.freeze_quantity) == (Decimal("0.1"), 65, 1800)
    assert rec.expiry == date(2026, 1, 27)


def test_truncated_upstox_json_is_reported_as_truncated() -> None:
    data = upstox_json(10)
    with pytest.raises(InstrumentFileError) as err:
        parse_upstox_json(data[: len(data) // 2])
    assert err.value.reason == "truncated"


def test_freeze_quantities_fill_derivatives_by_underlying() -> None:
    freeze = parse_freeze_quantities("SR.NO,SYMBOL,VOL_FRZ_QTY\n1,NIFTY,1800\n2,BANKNIFTY,600\n")
    records = apply_freeze_quantities(parse_kite_csv(kite_csv(kite_rows())).records, freeze)
    by_id = {r.instrument_id: r for r in records}
    assert by_id["NFO:NIFTY26JANFUT"].freeze_quantity == 1800
    assert by_id["NSE:STOCK1"].freeze_quantity is None


def test_snapshot_publish_moves_the_current_pointer(snapshots: InstrumentSnapshots) -> None:
    result = snapshots.publish("zerodha", D2, kite_csv(kite_rows(nifty_lot=65)))
    assert result.ok and result.live_date == D2 and result.previous_rows == 42
    assert snapshots.live_date("zerodha") == D2
    assert snapshots.dates("zerodha") == [D1, D2]
    assert snapshots.store.exists(snapshot_key("zerodha", D2))


def test_snapshot_swap_refused_on_truncated_file_keeps_yesterday_live(
    snapshots: InstrumentSnapshots,
) -> None:
    data = kite_csv(kite_rows())
    result = snapshots.publish("zerodha", D2, data[: len(data) - 30], name="instruments.csv")
    assert not result.ok and result.reason == "bad_rows"
    assert result.live_date == D1 and snapshots.live_date("zerodha") == D1
    assert not snapshots.store.exists(snapshot_key("zerodha", D2))
    assert snapshots.store.list("quarantine/instruments-zerodha/2026/01/05/")


def test_snapshot_swap_refused_when_rows_shrink_beyond_bounds(snapshots: InstrumentSnapshots) -> None:
    truncated_at_row_boundary = kite_csv(kite_rows()[:30])  # 30 of 42 rows: -29 %
    result = snapshots.publish("zerodha", D2, truncated_at_row_boundary)
    assert (result.ok, result.reason, result.rows) == (False, "row_count", 0)
    assert "30 rows against 42" in result.message
    assert snapshots.live_date("zerodha") == D1


def test_snapshot_within_twenty_percent_is_accepted(snapshots: InstrumentSnapshots) -> None:
    assert snapshots.publish("zerodha", D2, kite_csv(kite_rows()[:34])).ok  # 34 of 42: -19 %


def test_snapshot_refused_on_truncated_gzip(snapshots: InstrumentSnapshots) -> None:
    data = gzip.compress(kite_csv(kite_rows()))
    result = snapshots.publish("zerodha", D2, data[:-20])
    assert (result.ok, result.reason) == (False, "truncated")
    assert snapshots.live_date("zerodha") == D1


def test_snapshot_refused_on_duplicate_tokens(snapshots: InstrumentSnapshots) -> None:
    rows = kite_rows()
    rows[1] = rows[1].replace("1001,", "1000,", 1)
    result = snapshots.publish("zerodha", D2, kite_csv(rows))
    assert (result.ok, result.reason) == (False, "duplicate_tokens")


def test_snapshot_refused_on_missing_column(snapshots: InstrumentSnapshots) -> None:
    text = kite_csv(kite_rows()).decode().replace(",lot_size", ",lots", 1)
    result = snapshots.publish("zerodha", D2, text.encode())
    assert (result.ok, result.reason) == (False, "bad_header")


def test_first_snapshot_publishes_without_a_comparison() -> None:
    store = MemoryObjectStore()
    result = InstrumentSnapshots(store).publish("upstox", D1, upstox_json())
    assert result.ok and result.previous_rows is None
    assert store.exists(pointer_key("upstox"))
