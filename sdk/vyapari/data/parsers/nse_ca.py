"""Parser of the NSE corporate-actions CSV export into one row per typed action.

Columns of the result: ``symbol, series, ex_date, kind, ratio_num, ratio_den, amount_inr, purpose``
(``ratio`` = shares after / shares before as an exact fraction; ``amount_inr`` = dividend in ₹ per
share). Purposes that are not understood are kept as kind ``other`` and listed in ``notes``.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from vyapari.data.corporate_actions import ActionKind, CorporateAction, parse_purpose
from vyapari.data.formats import BhavcopyFormat
from vyapari.data.parsers.common import LINE, Col, ParsedFile, build_frame
from vyapari.data.rejections import RowIssues

_SPEC = {
    "symbol": Col("SYMBOL", "str"),
    "series": Col("SERIES", "str"),
    "purpose": Col("PURPOSE", "str"),
    "ex_date": Col("EX-DATE", "date", formats=("%d-%b-%Y", "%d-%m-%Y", "%Y-%m-%d")),
}


def actions_frame(actions: list[tuple[int, CorporateAction]]) -> pd.DataFrame:
    """The table form of ``(line, action)`` pairs (one row per action)."""
    return pd.DataFrame({
        "symbol": [a.symbol for _, a in actions],
        "series": [a.series for _, a in actions],
        "ex_date": [a.ex_date for _, a in actions],
        "kind": [a.kind.value for _, a in actions],
        "ratio_num": [a.ratio.numerator if a.ratio is not None else None for _, a in actions],
        "ratio_den": [a.ratio.denominator if a.ratio is not None else None for _, a in actions],
        "amount_inr": [float(a.amount_inr) if a.amount_inr is not None else None for _, a in actions],
        "purpose": [a.purpose for _, a in actions],
        LINE: [line for line, _ in actions],
    })


def parse_corporate_actions(table: pa.Table) -> ParsedFile:
    """Parse the NSE corporate-actions export (read as string columns)."""
    issues = RowIssues()
    rows = build_frame(table, _SPEC, ("SYMBOL", "SERIES"), issues)
    actions: list[tuple[int, CorporateAction]] = []
    notes: list[str] = []
    for row in rows.itertuples(index=False):
        for action in parse_purpose(row.symbol, row.ex_date, row.purpose, row.series or "EQ"):
            actions.append((int(getattr(row, LINE)), action))
            if action.kind is ActionKind.OTHER:
                notes.append(f"line {getattr(row, LINE)}: {row.symbol}: purpose {action.purpose!r} "
                             "kept as 'other'")
            elif action.ex_date is None:
                notes.append(f"line {getattr(row, LINE)}: {row.symbol}: {action.kind.value} has no ex-date")
    parsed = ParsedFile(BhavcopyFormat.NSE_CORPORATE_ACTIONS, "corporate_actions", "NSE",
                        actions_frame(actions), issues, notes)
    return parsed
