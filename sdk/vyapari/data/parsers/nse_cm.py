"""NSE cash-market bhavcopy parsers: legacy ``cmDDMONYYYYbhav.csv`` (and pre-2010) and UDiFF CM.

Both produce the canonical daily-bar table of :data:`vyapari.data.schema.DAILY_COLUMNS`: prices in ₹,
``turnover_inr`` in ₹ (the legacy ``TOTTRDVAL`` and UDiFF ``TtlTrfVal`` are both in ₹), ``volume`` in
shares, ``session_date`` from the rows (legacy ``TIMESTAMP`` ``DD-MON-YYYY``, UDiFF ``TradDt`` ISO).
"""

from __future__ import annotations

import pyarrow as pa

from vyapari.data.formats import BhavcopyFormat
from vyapari.data.parsers.common import Col, ParsedFile, build_table, spec_types
from vyapari.data.rejections import RowIssues

_LEGACY_SPEC = {
    "session_date": Col("TIMESTAMP", "date", formats=("%d-%b-%Y", "%d-%b-%y")),
    "exchange": Col(None, const="NSE"),
    "symbol": Col("SYMBOL", "str"),
    "series": Col("SERIES", "str"),
    "isin": Col("ISIN", "str"),
    "open": Col("OPEN"), "high": Col("HIGH"), "low": Col("LOW"), "close": Col("CLOSE"),
    "last": Col("LAST"), "prev_close": Col("PREVCLOSE"),
    "volume": Col("TOTTRDQTY"), "turnover_inr": Col("TOTTRDVAL"), "trades": Col("TOTALTRADES"),
}
_PRE2010_SPEC = {**_LEGACY_SPEC, "isin": Col(None, const=""), "trades": Col(None, const=float("nan"))}


def udiff_cm_spec(exchange: str) -> dict[str, Col]:
    """Column mapping of a UDiFF cash-market file of ``exchange`` (NSE or BSE; identical layouts)."""
    return {
        "session_date": Col("TradDt", "date", formats=("%Y-%m-%d",)),
        "exchange": Col(None, const=exchange),
        "symbol": Col("TckrSymb", "str"),
        "series": Col("SctySrs", "str"),
        "isin": Col("ISIN", "str"),
        "open": Col("OpnPric"), "high": Col("HghPric"), "low": Col("LwPric"), "close": Col("ClsPric"),
        "last": Col("LastPric"), "prev_close": Col("PrvsClsgPric"),
        "volume": Col("TtlTradgVol"), "turnover_inr": Col("TtlTrfVal"), "trades": Col("TtlNbOfTxsExctd"),
    }


COLUMNS = {  # source columns each layout reads, and their types (see read_typed)
    BhavcopyFormat.NSE_CM_LEGACY: spec_types(_LEGACY_SPEC, ("SYMBOL", "SERIES")),
    BhavcopyFormat.NSE_CM_LEGACY_PRE2010: spec_types(_PRE2010_SPEC, ("SYMBOL", "SERIES")),
    BhavcopyFormat.NSE_CM_UDIFF: spec_types(udiff_cm_spec("NSE"), ("TckrSymb", "SctySrs")),
}


def parse_nse_cm(table: pa.Table, fmt: BhavcopyFormat) -> ParsedFile:
    """Parse an NSE cash-market bhavcopy (any of the three layouts) read as string columns.

    Parameters
    ----------
    table : pyarrow.Table
        The file's columns, typed or as strings (see :func:`vyapari.data.parsers.common.read_typed`).
    fmt : BhavcopyFormat
        ``NSE_CM_LEGACY``, ``NSE_CM_LEGACY_PRE2010`` or ``NSE_CM_UDIFF``.
    """
    issues = RowIssues()
    if fmt is BhavcopyFormat.NSE_CM_UDIFF:
        rows = build_table(table, udiff_cm_spec("NSE"), ("TckrSymb", "SctySrs"), issues)
    else:
        spec = _LEGACY_SPEC if fmt is BhavcopyFormat.NSE_CM_LEGACY else _PRE2010_SPEC
        rows = build_table(table, spec, ("SYMBOL", "SERIES"), issues)
    return ParsedFile(fmt, "daily_bars", "NSE", rows, issues)
