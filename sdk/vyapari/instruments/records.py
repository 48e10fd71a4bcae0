"""One row of the instrument master, broker-neutral, and its Arrow table form.

Conventions
-----------
* ``instrument_id`` is ours (``"NFO:NIFTY26JANFUT"``, ``"NSE:RELIANCE"``): the broker's exchange
  code and trading symbol, upper case. ``broker_token`` is the broker's key for it (Kite's numeric
  ``instrument_token`` as text, Upstox's ``instrument_key`` such as ``"NSE_FO|54321"``).
* ``lot_size`` and ``freeze_quantity`` are in units (shares or index units); ``freeze_quantity``
  is the largest quantity one order may carry on the exchange (``None`` when the source omits it).
* ``tick_size`` and ``strike`` are rupees (``Decimal``); ``expiry`` is the IST expiry date
  (``None`` for cash instruments).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa

from vyapari.core.errors import InvalidInput

SNAPSHOT_SCHEMA = pa.schema([
    pa.field("instrument_id", pa.string(), nullable=False),
    pa.field("broker_token", pa.string(), nullable=False),
    pa.field("exchange", pa.string(), nullable=False),
    pa.field("symbol", pa.string(), nullable=False),
    pa.field("underlying", pa.string()),
    pa.field("instrument_type", pa.string()),
    pa.field("expiry", pa.date32()),
    pa.field("strike", pa.string()),
    pa.field("lot_size", pa.int64(), nullable=False),
    pa.field("tick_size", pa.string(), nullable=False),
    pa.field("freeze_quantity", pa.int64()),
])
"""Columns of a stored snapshot; rupee values are kept as decimal text so they round-trip exactly."""

REQUIRED_COLUMNS = ("instrument_id", "broker_token", "exchange", "symbol", "lot_size", "tick_size")


@dataclass(frozen=True, slots=True)
class InstrumentRecord:
    """One tradable contract as of one session date (see the module docstring for units)."""

    instrument_id: str
    broker_token: str
    exchange: str
    symbol: str
    lot_size: int
    tick_size: Decimal
    underlying: str | None = None
    instrument_type: str | None = None
    expiry: date | None = None
    strike: Decimal | None = None
    freeze_quantity: int | None = None

    def __post_init__(self) -> None:
        if not self.instrument_id or not self.broker_token:
            raise InvalidInput("instrument", "instrument_id and broker_token are required")
        if self.lot_size <= 0:
            raise InvalidInput("lot_size", f"{self.instrument_id}: must be > 0, got {self.lot_size}")
        if self.tick_size <= 0:
            raise InvalidInput("tick_size", f"{self.instrument_id}: must be > 0 ₹, got {self.tick_size}")
        if self.freeze_quantity is not None and self.freeze_quantity <= 0:
            raise InvalidInput("freeze_quantity", f"{self.instrument_id}: must be > 0 when given")


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def records_to_table(records: list[InstrumentRecord]) -> pa.Table:
    """The records as an Arrow table of :data:`SNAPSHOT_SCHEMA`, sorted by ``instrument_id``."""
    ordered = sorted(records, key=lambda r: (r.instrument_id, r.broker_token))
    columns: dict[str, list[Any]] = {f.name: [] for f in SNAPSHOT_SCHEMA}
    for rec in ordered:
        for name, values in columns.items():
            value = getattr(rec, name)
            values.append(_text(value) if isinstance(value, Decimal) else value)
    return pa.Table.from_pydict(columns, schema=SNAPSHOT_SCHEMA)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def table_to_records(table: pa.Table) -> list[InstrumentRecord]:
    """Records from a stored snapshot table (inverse of :func:`records_to_table`)."""
    names = {f.name for f in fields(InstrumentRecord)}
    out = []
    for row in table.to_pylist():
        values = {k: v for k, v in row.items() if k in names}
        values["tick_size"] = _decimal(values["tick_size"])
        values["strike"] = _decimal(values.get("strike"))
        out.append(InstrumentRecord(**values))
    return out
