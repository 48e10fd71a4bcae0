"""Parsers of the brokers' instrument dumps and of the exchange's freeze-quantity file.

Layouts
-------
* Kite (``GET /instruments``, gzipped CSV, kite.trade/docs/connect/v3/market-data-and-instruments):
  ``instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,
  instrument_type,segment,exchange``; ``tick_size`` in ₹, ``expiry`` ``YYYY-MM-DD`` or empty,
  ``name`` the underlying for derivatives. No freeze quantity.
* Upstox (instrument JSON, a list of objects, upstox.com/developer/api-documentation/instruments):
  ``segment`` (``NSE_EQ``, ``NSE_FO``, ``BSE_FO``...), ``instrument_key``, ``trading_symbol``,
  ``lot_size``, ``tick_size`` **in paise**, ``expiry`` epoch milliseconds, ``strike_price``,
  ``instrument_type``, ``freeze_quantity``, ``underlying_symbol``. Derivative segments map to our
  ``NFO``/``BFO`` exchange codes so ids match Kite's.
* Freeze quantities (NSE's F&O freeze-limit file): CSV with a symbol column (``SYMBOL`` or
  ``underlying``) and a quantity column (``VOL_FRZ_QTY`` or ``freeze_quantity``), in units. The
  exact NSE header was not verifiable from stored pages; the two spellings are both accepted.

Every parse failure is an :class:`InstrumentFileError` with a machine-readable ``reason``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from vyapari.core.errors import DataError
from vyapari.core.money import to_decimal
from vyapari.core.time import IST
from vyapari.instruments.records import InstrumentRecord

KITE_COLUMNS = (
    "instrument_token", "exchange_token", "tradingsymbol", "name", "last_price", "expiry", "strike",
    "tick_size", "lot_size", "instrument_type", "segment", "exchange",
)
KNOWN_EXCHANGES = frozenset({"NSE", "BSE", "NFO", "BFO", "CDS", "BCD", "MCX", "NCO", "NSEIX"})
_UPSTOX_FO = {"NSE_FO": "NFO", "BSE_FO": "BFO", "NCD_FO": "CDS", "BCD_FO": "BCD", "MCX_FO": "MCX"}
_DERIVATIVE_TYPES = frozenset({"FUT", "CE", "PE"})


class InstrumentFileError(DataError):
    """A broker or exchange instrument file that cannot be used; ``reason`` names why.

    Reasons: ``empty``, ``bad_gzip``, ``truncated``, ``bad_header``, ``bad_json``, ``no_rows``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason


@dataclass(frozen=True)
class ParsedMaster:
    """Records parsed from one file, plus the rows that could not be read (``"line N: why"``)."""

    records: list[InstrumentRecord]
    bad_rows: list[str] = field(default_factory=list)


def _unzip(data: bytes) -> bytes:
    if not data.strip():
        raise InstrumentFileError("empty", "the file is empty")
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (EOFError, zlib.error) as exc:
        raise InstrumentFileError("truncated", f"gzip stream ends early ({exc})") from None
    except OSError as exc:
        raise InstrumentFileError("bad_gzip", str(exc)) from None


def _opt_decimal(text: str) -> Decimal | None:
    value = to_decimal(text) if text.strip() else None
    return value if value else None


def _kite_record(row: Mapping[str, str]) -> InstrumentRecord:
    exchange = row["exchange"].strip().upper()
    if exchange not in KNOWN_EXCHANGES:
        raise ValueError(f"unknown exchange {exchange!r}")
    symbol = row["tradingsymbol"].strip().upper()
    kind = row["instrument_type"].strip().upper() or None
    expiry = row["expiry"].strip()
    return InstrumentRecord(
        instrument_id=f"{exchange}:{symbol}", broker_token=row["instrument_token"].strip(),
        exchange=exchange, symbol=symbol, lot_size=int(row["lot_size"]),
        tick_size=to_decimal(row["tick_size"], name="tick_size"),
        underlying=(row["name"].strip().upper() or None) if kind in _DERIVATIVE_TYPES else None,
        instrument_type=kind, expiry=date.fromisoformat(expiry) if expiry else None,
        strike=_opt_decimal(row["strike"]),
    )


def parse_kite_csv(data: bytes) -> ParsedMaster:
    """Parse Kite's instruments dump (gzipped or plain CSV bytes).

    Raises
    ------
    InstrumentFileError
        ``empty``, ``bad_gzip``/``truncated`` (gzip), ``bad_header``, or ``no_rows``. A last row cut
        short (a truncated download) is reported in :attr:`ParsedMaster.bad_rows`.
    """
    text = _unzip(data).decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if tuple(header) != KITE_COLUMNS:
        raise InstrumentFileError("bad_header", f"expected Kite's columns, got {header[:4]}...")
    records, bad = [], []
    for line_no, values in enumerate(reader, start=2):
        if len(values) != len(KITE_COLUMNS):
            bad.append(f"line {line_no}: {len(values)} fields, expected {len(KITE_COLUMNS)}")
            continue
        try:
            records.append(_kite_record(dict(zip(KITE_COLUMNS, values, strict=True))))
        except (ValueError, ArithmeticError) as exc:
            bad.append(f"line {line_no}: {exc}")
    if not records:
        raise InstrumentFileError("no_rows", "no instrument rows")
    return ParsedMaster(records, bad)


def _expiry_ms(value: Any) -> date | None:
    if value in (None, "", 0):
        return None
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC).astimezone(IST).date()


def upstox_exchange(segment: Any, exchange: Any = None) -> str:
    """Our exchange code of an Upstox row: a derivative ``segment`` maps to ``NFO``/``BFO``/...,
    else ``exchange`` as given (``NSE``; Upstox's order books already say ``NFO``), else the
    segment's prefix (``NSE_EQ`` → ``NSE``).

    The one mapping the instrument snapshot and the Upstox adapter share, so both give an
    instrument the same ``instrument_id``.
    """
    seg = str(segment or "").strip().upper()
    exch = str(exchange or "").strip().upper()
    for code in (seg, exch):
        if code in _UPSTOX_FO:
            return _UPSTOX_FO[code]
    return (exch or seg).split("_")[0]


def upstox_instrument_id(segment: Any, exchange: Any, trading_symbol: Any) -> str:
    """Our ``instrument_id`` of an Upstox row: ``"<our exchange>:<TRADING SYMBOL>"`` (upper case)."""
    return f"{upstox_exchange(segment, exchange)}:{str(trading_symbol).strip().upper()}"


def upstox_record(d: Mapping[str, Any]) -> InstrumentRecord:
    """One object of Upstox's instrument JSON as a record (see the module docstring)."""
    exchange = upstox_exchange(d.get("segment"), d.get("exchange"))
    symbol = str(d["trading_symbol"]).strip().upper()
    freeze = d.get("freeze_quantity")
    strike = d.get("strike_price")
    return InstrumentRecord(
        instrument_id=upstox_instrument_id(d.get("segment"), d.get("exchange"), symbol),
        broker_token=str(d["instrument_key"]).strip(), exchange=exchange,
        symbol=symbol, lot_size=int(d.get("lot_size") or 1),
        tick_size=to_decimal(d.get("tick_size") or 5, name="tick_size") / 100,
        underlying=(str(d.get("underlying_symbol") or "").upper() or None),
        instrument_type=(str(d.get("instrument_type") or "").upper() or None),
        expiry=_expiry_ms(d.get("expiry")),
        strike=to_decimal(strike) if strike not in (None, "", 0) else None,
        freeze_quantity=int(Decimal(str(freeze))) if freeze else None,
    )


def parse_upstox_json(data: bytes) -> ParsedMaster:
    """Parse Upstox's instrument JSON (gzipped or plain).

    Raises
    ------
    InstrumentFileError
        ``truncated`` when the JSON ends early, ``bad_json`` for other syntax errors or a
        non-list document, ``no_rows`` when nothing is usable.
    """
    text = _unzip(data).decode("utf-8", errors="replace")
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = "truncated" if exc.pos >= len(text.rstrip()) - 1 else "bad_json"
        raise InstrumentFileError(reason, f"JSON error at character {exc.pos}: {exc.msg}") from None
    if not isinstance(items, list):
        raise InstrumentFileError("bad_json", "expected a JSON list of instruments")
    records, bad = [], []
    for i, item in enumerate(items):
        try:
            records.append(upstox_record(item))
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            bad.append(f"item {i}: {type(exc).__name__} {exc}")
    if not records:
        raise InstrumentFileError("no_rows", "no instrument objects")
    return ParsedMaster(records, bad)


def parse_freeze_quantities(text: str) -> dict[str, int]:
    """Freeze quantity (units) per underlying symbol from the exchange's CSV (see module doc)."""
    reader = csv.DictReader(io.StringIO(text))
    names = {(h or "").strip().upper(): h for h in reader.fieldnames or []}
    sym = names.get("SYMBOL") or names.get("UNDERLYING")
    qty = names.get("VOL_FRZ_QTY") or names.get("FREEZE_QUANTITY")
    if sym is None or qty is None:
        raise InstrumentFileError("bad_header", f"need SYMBOL and VOL_FRZ_QTY columns, got {list(names)}")
    out = {}
    for row in reader:
        symbol, value = (row.get(sym) or "").strip().upper(), (row.get(qty) or "").strip()
        if symbol and value.isdigit() and int(value) > 0:
            out[symbol] = int(value)
    return out


def apply_freeze_quantities(
    records: Iterable[InstrumentRecord], freeze: Mapping[str, int]
) -> list[InstrumentRecord]:
    """Records with ``freeze_quantity`` filled from ``freeze`` (by underlying) where it is missing."""
    out = []
    for rec in records:
        qty = freeze.get(rec.underlying or "") if rec.freeze_quantity is None else None
        out.append(replace(rec, freeze_quantity=qty) if qty else rec)
    return out


PARSERS = {"zerodha": parse_kite_csv, "upstox": parse_upstox_json}
"""The dump parser of each broker."""
