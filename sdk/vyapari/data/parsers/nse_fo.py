"""NSE (and BSE) F&O bhavcopy parsers: legacy ``foDDMONYYYYbhav.csv`` and UDiFF FO.

Canonical columns are :data:`vyapari.data.schema.FO_COLUMNS`. ``instrument_type`` uses the legacy
names (``FUTIDX``, ``FUTSTK``, ``OPTIDX``, ``OPTSTK``; UDiFF ``IDF``/``STF``/``IDO``/``STO`` are mapped);
``option_type`` is ``CE``/``PE`` or empty for futures (legacy ``XX``). Prices in ₹; ``turnover_inr``
in ₹ (the legacy ``VAL_INLAKH`` is in ₹ lakh and is multiplied by 100,000). ``volume`` is contracts in
the legacy file and units (``TtlTradgVol``) in UDiFF; ``lot_size`` is known only from UDiFF.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from vyapari.data.formats import BhavcopyFormat
from vyapari.data.parsers.common import Col, ParsedFile, build_table, spec_types
from vyapari.data.rejections import RowIssues

RUPEES_PER_LAKH = 100_000.0
_UDIFF_TYPES = {"IDF": "FUTIDX", "STF": "FUTSTK", "IDO": "OPTIDX", "STO": "OPTSTK"}

_LEGACY_SPEC = {
    "session_date": Col("TIMESTAMP", "date", formats=("%d-%b-%Y",)),
    "exchange": Col(None, const="NFO"),
    "instrument_type": Col("INSTRUMENT", "str"),
    "symbol": Col("SYMBOL", "str"),
    "expiry": Col("EXPIRY_DT", "date", formats=("%d-%b-%Y",)),
    "strike": Col("STRIKE_PR"),
    "option_type": Col("OPTION_TYP", "str"),
    "open": Col("OPEN"), "high": Col("HIGH"), "low": Col("LOW"), "close": Col("CLOSE"),
    "settle_price": Col("SETTLE_PR"),
    "underlying_price": Col(None, const=float("nan")),
    "volume": Col("CONTRACTS"),
    "turnover_inr": Col("VAL_INLAKH", scale=RUPEES_PER_LAKH),
    "open_interest": Col("OPEN_INT"), "change_in_oi": Col("CHG_IN_OI"),
    "lot_size": Col(None, const=float("nan")),
}


def _udiff_spec(exchange: str) -> dict[str, Col]:
    return {
        "session_date": Col("TradDt", "date", formats=("%Y-%m-%d",)),
        "exchange": Col(None, const=exchange),
        "instrument_type": Col("FinInstrmTp", "str"),
        "symbol": Col("TckrSymb", "str"),
        "expiry": Col("XpryDt", "date", formats=("%Y-%m-%d",)),
        "strike": Col("StrkPric"),
        "option_type": Col("OptnTp", "str"),
        "open": Col("OpnPric"), "high": Col("HghPric"), "low": Col("LwPric"), "close": Col("ClsPric"),
        "settle_price": Col("SttlmPric"), "underlying_price": Col("UndrlygPric"),
        "volume": Col("TtlTradgVol"), "turnover_inr": Col("TtlTrfVal"),
        "open_interest": Col("OpnIntrst"), "change_in_oi": Col("ChngInOpnIntrst"),
        "lot_size": Col("NewBrdLotQty"),
    }


COLUMNS = {  # source columns each layout reads, and their types (see read_typed)
    BhavcopyFormat.NSE_FO_LEGACY: spec_types(_LEGACY_SPEC, ("SYMBOL", "INSTRUMENT")),
    BhavcopyFormat.NSE_FO_UDIFF: spec_types(_udiff_spec("NFO"), ("TckrSymb", "FinInstrmTp")),
    BhavcopyFormat.BSE_FO_UDIFF: spec_types(_udiff_spec("BFO"), ("TckrSymb", "FinInstrmTp")),
}


def _with_column(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


def parse_fo(table: pa.Table, fmt: BhavcopyFormat) -> ParsedFile:
    """Parse an F&O bhavcopy (``NSE_FO_LEGACY``, ``NSE_FO_UDIFF`` or ``BSE_FO_UDIFF``; see ``read_typed``)."""
    issues = RowIssues()
    if fmt is BhavcopyFormat.NSE_FO_LEGACY:
        rows = build_table(table, _LEGACY_SPEC, ("SYMBOL", "INSTRUMENT"), issues)
        exchange = "NFO"
    else:
        exchange = "BFO" if fmt is BhavcopyFormat.BSE_FO_UDIFF else "NFO"
        rows = build_table(table, _udiff_spec(exchange), ("TckrSymb", "FinInstrmTp"), issues)
        kinds = [_UDIFF_TYPES.get(t, t) for t in rows.column("instrument_type").to_pylist()]
        rows = _with_column(rows, "instrument_type", pa.array(kinds, type=pa.string()))
    options = rows.column("option_type")
    known = pc.is_in(options, value_set=pa.array(["CE", "PE"]))
    rows = _with_column(rows, "option_type", pc.if_else(known, options, "").combine_chunks())
    return ParsedFile(fmt, "fo_daily", exchange, rows, issues)
