"""vyapari.instruments: the instrument master as daily, versioned lake snapshots, and as-of look-ups.

* :mod:`.parsers`: Kite's instruments CSV, Upstox's instrument JSON, the exchange's freeze quantities.
* :mod:`.snapshot`: :class:`InstrumentSnapshots` publishes a checked snapshot per broker and session
  (row count within ±20 % of the live one, required columns, unique tokens); a bad download keeps
  yesterday's live and returns a :class:`PublishResult` naming the reason.
* :mod:`.lookup`: :class:`InstrumentMaster` answers lot, tick, freeze quantity, expiry and broker
  token as of a session date, falling back to :mod:`vyapari.market.lots` / ``ticks`` and saying so;
  :func:`freeze_quantities` gives the live engine its per-instrument freeze quantities for a session.
"""

from vyapari.instruments.lookup import AsOf, InstrumentMaster, InstrumentNotFound, freeze_quantities
from vyapari.instruments.parsers import (
    InstrumentFileError,
    ParsedMaster,
    apply_freeze_quantities,
    parse_freeze_quantities,
    parse_kite_csv,
    parse_upstox_json,
)
from vyapari.instruments.records import InstrumentRecord
from vyapari.instruments.snapshot import InstrumentSnapshots, PublishResult, SnapshotPolicy

__all__ = [
    "AsOf",
    "InstrumentFileError",
    "InstrumentMaster",
    "InstrumentNotFound",
    "InstrumentRecord",
    "InstrumentSnapshots",
    "ParsedMaster",
    "PublishResult",
    "SnapshotPolicy",
    "apply_freeze_quantities",
    "freeze_quantities",
    "parse_freeze_quantities",
    "parse_kite_csv",
    "parse_upstox_json",
]
