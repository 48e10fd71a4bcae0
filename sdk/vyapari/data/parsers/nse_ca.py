"""Parser of the NSE corporate-actions CSV export into one row per typed action.

Columns of the result: ``symbol, series, ex_date, kind, ratio_num, ratio_den, amount_inr, purpose``
(``ratio`` = shares after / shares before as an exact fraction; ``amount_inr`` = dividend in ₹ per
share). Purposes that are not understood are kept as kind ``other`` and listed in ``notes``.
"""

from __future__ import annotations

import pyarrow as pa

from vyapari.data.corporate_actions import ActionKind, CorporateAction, parse_purpose
from vyapari.data.formats import BhavcopyFormat
from vyapari.data.parsers.common import LINE, Col, ParsedFile, build_table, spec_types
from vyapari.data.rejections import RowIssues

_SPEC = {
    "symbol": Col("SYMBOL", "str"),
    "series": Col("SERIES", "str"),
    "purpose": Col("PURPOSE", "str"),
    "ex_date": Col("EX-DATE", "date", formats=("%d-%b-%Y", "%d-%m-%Y", "%Y-%m-%d")),
}

COLUMNS = {BhavcopyFormat.NSE_CORPORATE_ACTIONS: spec_types(_SPEC, ("SYMBOL", "SERIES"))}


def actions_table(actions: list[tuple[int, CorporateAction]]) -> pa.Table:
    """The table form of ``(line, action)`` pairs (one row per action; ratios as int64, ₹ as float64)."""
    ratios = [a.ratio for _, a in actions]
    return pa.table({
        "symbol": pa.array([a.symbol for _, a in actions], pa.string()),
        "series": pa.array([a.series for _, a in actions], pa.string()),
        "ex_date": pa.array([a.ex_date for _, a in actions], pa.date32()),
        "kind": pa.array([a.kind.value for _, a in actions], pa.string()),
        "ratio_num": pa.array([r.numerator if r is not None else None for r in ratios], pa.int64()),
        "ratio_den": pa.array([r.denominator if r is not None else None for r in ratios], pa.int64()),
        "amount_inr": pa.array([float(a.amount_inr) if a.amount_inr is not None else None
                                for _, a in actions], pa.float64()),
        "purpose": pa.array([a.purpose for _, a in actions], pa.string()),
        LINE: pa.array([line for line, _ in actions], pa.int64()),
    })


def parse_corporate_actions(table: pa.Table) -> ParsedFile:
    """Parse the NSE corporate-actions export (read by ``read_typed``)."""
    issues = RowIssues()
    rows = build_table(table, _SPEC, ("SYMBOL", "SERIES"), issues).to_pylist()
    actions: list[tuple[int, CorporateAction]] = []
    notes: list[str] = []
    for row in rows:
        for action in parse_purpose(row["symbol"], row["ex_date"], row["purpose"], row["series"] or "EQ"):
            actions.append((int(row[LINE]), action))
            if action.kind is ActionKind.OTHER:
                notes.append(f"line {row[LINE]}: {row['symbol']}: purpose {action.purpose!r} "
                             "kept as 'other'")
            elif action.ex_date is None:
                notes.append(f"line {row[LINE]}: {row['symbol']}: {action.kind.value} has no ex-date")
    parsed = ParsedFile(BhavcopyFormat.NSE_CORPORATE_ACTIONS, "corporate_actions", "NSE",
                        actions_table(actions), issues, notes)
    return parsed
