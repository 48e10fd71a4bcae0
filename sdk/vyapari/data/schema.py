"""Column sets and Arrow schemas of the curated lake tables.

Units: prices in ₹ (float64), ``turnover_inr`` in ₹, volumes in shares (F&O: contracts for the legacy
file's ``CONTRACTS``, units for UDiFF ``TtlTradgVol``), ``session_date`` is the IST trading day.
"""

from __future__ import annotations

import pyarrow as pa

DAILY_COLUMNS = (
    "session_date", "exchange", "symbol", "series", "isin", "open", "high", "low", "close", "last",
    "prev_close", "volume", "turnover_inr", "trades",
)
DAILY_SCHEMA = pa.schema([
    ("session_date", pa.date32()), ("symbol", pa.string()), ("series", pa.string()), ("isin", pa.string()),
    ("open", pa.float64()), ("high", pa.float64()), ("low", pa.float64()), ("close", pa.float64()),
    ("last", pa.float64()), ("prev_close", pa.float64()), ("volume", pa.int64()),
    ("turnover_inr", pa.float64()), ("trades", pa.int64()),
])

FO_COLUMNS = (
    "session_date", "exchange", "instrument_type", "symbol", "expiry", "strike", "option_type", "open",
    "high", "low", "close", "settle_price", "underlying_price", "volume", "turnover_inr", "open_interest",
    "change_in_oi", "lot_size",
)
FO_SCHEMA = pa.schema([
    ("session_date", pa.date32()), ("instrument_type", pa.string()), ("symbol", pa.string()),
    ("expiry", pa.date32()), ("strike", pa.float64()), ("option_type", pa.string()), ("open", pa.float64()),
    ("high", pa.float64()), ("low", pa.float64()), ("close", pa.float64()), ("settle_price", pa.float64()),
    ("underlying_price", pa.float64()), ("volume", pa.int64()), ("turnover_inr", pa.float64()),
    ("open_interest", pa.int64()), ("change_in_oi", pa.int64()), ("lot_size", pa.int64()),
])

CORPORATE_ACTION_SCHEMA = pa.schema([
    ("symbol", pa.string()), ("series", pa.string()), ("ex_date", pa.date32()), ("kind", pa.string()),
    ("ratio_num", pa.int64()), ("ratio_den", pa.int64()), ("amount_inr", pa.float64()),
    ("purpose", pa.string()),
])

MINUTE_SCHEMA = pa.schema([
    ("ts", pa.timestamp("ns", tz="Asia/Kolkata")), ("open", pa.float64()), ("high", pa.float64()),
    ("low", pa.float64()), ("close", pa.float64()), ("volume", pa.int64()),
])

# Primary keys of each dataset (besides the partition columns).
DAILY_KEY = ("symbol", "series")
FO_KEY = ("instrument_type", "symbol", "expiry", "strike", "option_type")

BAR_COLUMNS = ("symbol", "ts", "open", "high", "low", "close", "volume")
