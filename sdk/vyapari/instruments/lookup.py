"""As-of look-ups: an instrument's lot, tick, freeze quantity, expiry and broker token on a date.

The snapshot *in force* on a session date is the latest one published for a date on or before it,
so a 2024 backtest reads 2024's lot sizes and a live order reads today's. Where no snapshot covers
the date (or the instrument), :class:`InstrumentMaster` falls back to the dated tables of
:mod:`vyapari.market.lots` (lot sizes) and :mod:`vyapari.market.ticks` (tick bands) and says so in
the answer's ``source``; freeze quantity and broker token have no fallback.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar

import numpy as np

from vyapari.core.errors import ScheduleNotFound
from vyapari.instruments.records import InstrumentRecord, table_to_records
from vyapari.instruments.snapshot import InstrumentSnapshots
from vyapari.market.lots import BUILTIN_LOT_SIZES, LotSizeTable
from vyapari.market.ticks import tick_size as band_tick_size
from vyapari.model.enums import Exchange, InstrumentKind

T = TypeVar("T")
_CASH = frozenset({"NSE", "BSE"})
_KINDS = {"FUT": InstrumentKind.FUTURE, "CE": InstrumentKind.OPTION, "PE": InstrumentKind.OPTION}


class InstrumentNotFound(ScheduleNotFound):
    """No snapshot row and no fallback answers the look-up (the message names both)."""


@dataclass(frozen=True, slots=True)
class AsOf(Generic[T]):
    """A looked-up ``value`` and where it came from.

    ``source`` is ``"snapshot <broker> <YYYY-MM-DD>"`` or ``"fallback: <table>"``; ``fallback`` is
    True when no snapshot answered (alerting code should surface it).
    """

    value: T
    source: str
    fallback: bool = False


class InstrumentMaster:
    """Look-ups against ``broker``'s snapshots as of a session date (see the module docstring).

    Parameters
    ----------
    snapshots : InstrumentSnapshots
        The lake's snapshot store.
    broker : str
        Whose dump to read (``zerodha``, ``upstox``); tokens are broker-specific.
    lots : LotSizeTable, optional
        Fallback lot table (the built-in one by default).
    """

    def __init__(self, snapshots: InstrumentSnapshots, broker: str, lots: LotSizeTable | None = None) -> None:
        self.snapshots = snapshots
        self.broker = broker
        self.lots = lots or BUILTIN_LOT_SIZES
        self._dates: list[date] | None = None
        self._cache: dict[date, dict[str, InstrumentRecord]] = {}

    def snapshot_date(self, on: date) -> date | None:
        """Session date of the snapshot in force on ``on`` (None when none is that old)."""
        if self._dates is None:
            self._dates = self.snapshots.dates(self.broker)
        i = bisect.bisect_right(self._dates, on)
        return self._dates[i - 1] if i else None

    def record(self, instrument_id: str, on: date) -> AsOf[InstrumentRecord] | None:
        """The snapshot row of ``instrument_id`` in force on ``on``, or None."""
        day = self.snapshot_date(on)
        if day is None:
            return None
        if day not in self._cache:
            rows = table_to_records(self.snapshots.read(self.broker, day))
            self._cache[day] = {r.instrument_id: r for r in rows}
        found = self._cache[day].get(instrument_id.upper())
        return AsOf(found, f"snapshot {self.broker} {day.isoformat()}") if found else None

    def lot_size(self, instrument_id: str, on: date, *, underlying: str | None = None,
                 expiry: date | None = None) -> AsOf[int]:
        """Units per lot on ``on``; fallback: 1 for cash, else the dated lot table by expiry.

        ``underlying`` (and ``expiry``, else the nearest expiry on ``on``) are needed for the fallback
        of a derivative.
        """
        hit = self.record(instrument_id, on)
        if hit:
            return AsOf(hit.value.lot_size, hit.source)
        exchange = instrument_id.split(":", 1)[0].upper()
        if exchange in _CASH:
            return AsOf(1, "fallback: cash equity (no snapshot)", True)
        if underlying is None:
            raise InstrumentNotFound(f"{instrument_id}: no snapshot on {on}, no underlying for a fallback")
        table_date = expiry or on
        lot = self.lots.lot_size(underlying, table_date)
        return AsOf(lot, f"fallback: market.lots {underlying} expiry {table_date.isoformat()}", True)

    def tick_size(self, instrument_id: str, on: date, *, price: Decimal | None = None,
                  kind: InstrumentKind = InstrumentKind.EQUITY, is_index: bool = False) -> AsOf[Decimal]:
        """Tick size (₹) on ``on``; fallback: the dated tick bands at reference ``price`` (₹)."""
        hit = self.record(instrument_id, on)
        if hit:
            return AsOf(hit.value.tick_size, hit.source)
        if price is None:
            raise InstrumentNotFound(f"{instrument_id}: no snapshot on {on}, no price for a tick fallback")
        exchange = Exchange(instrument_id.split(":", 1)[0].upper())
        tick = band_tick_size(price, on, exchange=exchange, kind=kind, is_index=is_index)
        return AsOf(tick, "fallback: market.ticks bands", True)

    def _required(self, instrument_id: str, on: date) -> AsOf[InstrumentRecord]:
        hit = self.record(instrument_id, on)
        if hit is None:
            raise InstrumentNotFound(f"{instrument_id}: not in any {self.broker} snapshot in force on {on}")
        return hit

    def freeze_quantity(self, instrument_id: str, on: date) -> AsOf[int | None]:
        """The exchange's freeze quantity (units) on ``on``; None when the snapshot lacks it."""
        hit = self._required(instrument_id, on)
        return AsOf(hit.value.freeze_quantity, hit.source)

    def expiry(self, instrument_id: str, on: date) -> AsOf[date | None]:
        """The contract's expiry date (None for cash instruments)."""
        hit = self._required(instrument_id, on)
        return AsOf(hit.value.expiry, hit.source)

    def broker_token(self, instrument_id: str, on: date) -> AsOf[str]:
        """The broker's token for ``instrument_id`` in the snapshot in force on ``on``."""
        hit = self._required(instrument_id, on)
        return AsOf(hit.value.broker_token, hit.source)


def instrument_kind(record: InstrumentRecord) -> InstrumentKind:
    """Equity, future or option from the record's ``instrument_type``."""
    return _KINDS.get(record.instrument_type or "", InstrumentKind.EQUITY)


def freeze_quantities(master: InstrumentMaster, instrument_ids: Sequence[str], on: date) -> np.ndarray:
    """Freeze quantity in units per instrument in force on ``on`` (int64 ``[N]``), for the live engine.

    0 where the snapshot in force lacks the instrument or its freeze quantity (the engine then never
    slices it); the array lines up with ``instrument_ids``.
    """
    out = np.zeros(len(instrument_ids), np.int64)
    for n, iid in enumerate(instrument_ids):
        hit = master.record(iid, on)
        if hit is not None and hit.value.freeze_quantity:
            out[n] = hit.value.freeze_quantity
    return out
