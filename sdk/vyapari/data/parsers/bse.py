"""BSE equity bhavcopy parsers: legacy ``EQ_ISINCODE_DDMMYY.CSV`` (and older ``EQDDMMYY``) and UDiFF CM.

Legacy files carry no ticker: ``symbol`` is the BSE scrip code (``SC_CODE``, e.g. ``500325``) and
``series`` the BSE group (``A``, ``B``, ``X`` …). UDiFF files give the ticker (``TckrSymb``) and the group
in ``SctySrs``. Prices in ₹, ``turnover_inr`` in ₹ (``NET_TURNOV``/``TtlTrfVal``), volume in shares.
The older layout has no date column: its session date comes from the file name (``EQDDMMYY``).
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from vyapari.data.formats import BhavcopyFormat
from vyapari.data.parsers.common import Col, ParsedFile, build_table, spec_types
from vyapari.data.parsers.nse_cm import udiff_cm_spec
from vyapari.data.rejections import RejectionError, RejectReason, RowIssues

_LEGACY_SPEC = {
    "session_date": Col("TRADING_DATE", "date", formats=("%d-%b-%y", "%d-%b-%Y", "%d/%m/%Y")),
    "exchange": Col(None, const="BSE"),
    "symbol": Col("SC_CODE", "str"),
    "series": Col("SC_GROUP", "str"),
    "isin": Col("ISIN_CODE", "str"),
    "open": Col("OPEN"), "high": Col("HIGH"), "low": Col("LOW"), "close": Col("CLOSE"),
    "last": Col("LAST"), "prev_close": Col("PREVCLOSE"),
    "volume": Col("NO_OF_SHRS"), "turnover_inr": Col("NET_TURNOV"), "trades": Col("NO_TRADES"),
}


COLUMNS = {  # source columns each layout reads, and their types (see read_typed)
    BhavcopyFormat.BSE_CM_LEGACY: spec_types(_LEGACY_SPEC, ("SC_CODE", "SC_GROUP")),
    BhavcopyFormat.BSE_CM_LEGACY_OLD: spec_types(_LEGACY_SPEC, ("SC_CODE", "SC_GROUP")),  # header filters
    BhavcopyFormat.BSE_CM_UDIFF: spec_types(udiff_cm_spec("BSE"), ("TckrSymb", "SctySrs")),
}


def parse_bse_cm(table: pa.Table, fmt: BhavcopyFormat, name_date: date | None = None) -> ParsedFile:
    """Parse a BSE equity bhavcopy read as string columns.

    Parameters
    ----------
    table : pyarrow.Table
        The file's columns, typed or as strings (see :func:`vyapari.data.parsers.common.read_typed`).
    fmt : BhavcopyFormat
        ``BSE_CM_LEGACY``, ``BSE_CM_LEGACY_OLD`` or ``BSE_CM_UDIFF``.
    name_date : date, optional
        The date in the file name; required for ``BSE_CM_LEGACY_OLD`` (no date column).
    """
    issues = RowIssues()
    if fmt is BhavcopyFormat.BSE_CM_UDIFF:
        rows = build_table(table, udiff_cm_spec("BSE"), ("TckrSymb", "SctySrs"), issues)
    elif fmt is BhavcopyFormat.BSE_CM_LEGACY:
        rows = build_table(table, _LEGACY_SPEC, ("SC_CODE", "SC_GROUP"), issues)
    else:
        if name_date is None:
            raise RejectionError(RejectReason.NO_DATE, "old BSE layout has no date column and the file name "
                            "carries none (expected EQDDMMYY)")
        spec = {**_LEGACY_SPEC, "session_date": Col(None, const=name_date), "isin": Col(None, const="")}
        rows = build_table(table, spec, ("SC_CODE", "SC_GROUP"), issues)
    return ParsedFile(fmt, "daily_bars", "BSE", rows, issues)
