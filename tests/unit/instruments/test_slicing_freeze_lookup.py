"""Freeze quantities for the live engine come from the instrument snapshot in force on the session date."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
from tests.unit.instruments.master_fakes import upstox_json

from vyapari.data.storage import MemoryObjectStore
from vyapari.instruments import InstrumentMaster, InstrumentSnapshots, freeze_quantities

FUT = "NFO:NIFTY26JANFUT"


def _with_freeze(freeze: float) -> bytes:
    items = json.loads(upstox_json(4))
    items[0]["freeze_quantity"] = freeze
    return json.dumps(items).encode()


def test_freeze_quantities_follow_the_snapshot_in_force_and_are_zero_when_unknown() -> None:
    snapshots = InstrumentSnapshots(MemoryObjectStore())
    assert snapshots.publish("upstox", date(2025, 12, 29), _with_freeze(1800.0)).ok
    assert snapshots.publish("upstox", date(2026, 1, 2), _with_freeze(1755.0)).ok
    master = InstrumentMaster(snapshots, "upstox")
    ids = [FUT, "NSE:STOCK0", "NFO:UNLISTED26JANFUT"]
    assert freeze_quantities(master, ids, date(2025, 12, 31)).tolist() == [1800, 0, 0]
    assert freeze_quantities(master, ids, date(2026, 1, 5)).tolist() == [1755, 0, 0]
    before_any = freeze_quantities(master, ids, date(2025, 6, 2))
    assert before_any.dtype == np.int64 and before_any.tolist() == [0, 0, 0]
