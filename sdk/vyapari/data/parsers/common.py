"""Shared pieces of the file parsers: CSV to string columns, numeric and date coercion with row issues."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from vyapari.data.formats import BhavcopyFormat, split_header
from vyapari.data.rejections import RejectionError, RejectReason, RowIssue, RowIssues, RowProblem

LINE = "line"  # column holding each row's line number in the file (header = 1)
_NULLS = ["", "-", " "]


@dataclass
class ParsedFile:
    """A parsed file: canonical rows plus the row problems found while converting types.

    Attributes
    ----------
    format : BhavcopyFormat
        The detected layout.
    dataset : str
        ``daily_bars``, ``fo_daily`` or ``corporate_actions``.
    exchange : str
        ``NSE``/``BSE`` for cash files, ``NFO``/``BFO`` for F&O files.
    frame : pandas.DataFrame
        Canonical columns (see :mod:`vyapari.data.schema`) plus ``line``.
    issues : RowIssues
        Rows that could not be converted (kept in ``frame`` with NaN; dropped by validation).
    notes : list[str]
        Informational notes (e.g. unrecognised corporate-action purposes).
    """

    format: BhavcopyFormat
    dataset: str
    exchange: str
    frame: pd.DataFrame
    issues: RowIssues = field(default_factory=RowIssues)
    notes: list[str] = field(default_factory=list)


def _check_truncated(payload: bytes, n_fields: int, name: str) -> None:
    lines = payload.rstrip(b"\r\n").rsplit(b"\n", 1)
    last = lines[-1].decode("utf-8", "replace")
    fields = next(csv.reader(io.StringIO(last)), [])
    if len(lines) > 1 and len(fields) < n_fields:
        raise RejectionError(RejectReason.TRUNCATED,
                        f"{name}: last line has {len(fields)} of {n_fields} fields (file cut short)",
                        {"last_line": last[:120]})


def read_strings(payload: bytes, name: str) -> pa.Table:
    """All columns of a CSV as strings (nulls for empty and ``-``), named by the header.

    Trailing empty header names (a trailing comma) become ``_extra<i>`` columns.
    """
    first, _, _ = payload.partition(b"\n")
    header = list(split_header(first.decode("utf-8-sig")))
    n_raw = len(first.rstrip(b"\r").split(b","))
    names = header + [f"_extra{i}" for i in range(n_raw - len(header))]
    _check_truncated(payload, len(header), name)
    try:
        table = pacsv.read_csv(
            io.BytesIO(payload),
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=names, block_size=1 << 22),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), null_values=_NULLS,
                strings_can_be_null=True),
        )
    except pa.ArrowInvalid as exc:
        raise RejectionError(RejectReason.MALFORMED_CSV, f"{name}: {exc}".splitlines()[0]) from None
    if table.num_rows == 0:
        raise RejectionError(RejectReason.NO_ROWS, f"{name} has a header but no rows")
    return table


def strip_column(table: pa.Table, column: str) -> pa.Array:
    """A string column with surrounding spaces removed (BSE pads names and groups)."""
    return pc.utf8_trim_whitespace(table.column(column))


def numeric(table: pa.Table, column: str, keys: tuple[np.ndarray, np.ndarray],
            issues: RowIssues, scale: float = 1.0) -> np.ndarray:
    """Column ``column`` as float64 (NaN for null), recording non-numeric cells as row issues.

    Parameters
    ----------
    keys : tuple of arrays
        ``(symbol, series)`` per row, to name the row in issues.
    scale : float
        Multiplier applied to the values (e.g. 1e5 to turn ₹ lakh into ₹).
    """
    col = table.column(column)
    try:
        values = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        text = pd.Series(col.to_pandas(), dtype=object)
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(np.isnan(values) & text.notna().to_numpy())
        for i in bad:
            issues.add(RowIssue(int(i) + 2, str(keys[0][i]), str(keys[1][i]), RowProblem.NON_NUMERIC,
                                f"{column}={text.iloc[i]!r} is not a number"))
    values = np.asarray(values, dtype=np.float64)
    return values * scale if scale != 1.0 else values


def parse_dates(table: pa.Table, column: str, formats: tuple[str, ...], keys: tuple[np.ndarray, np.ndarray],
                issues: RowIssues) -> np.ndarray:
    """Column ``column`` parsed as dates (object array of :class:`date` or ``None``); bad cells recorded."""
    col = table.column(column)
    if col.null_count == 0 and len(formats) == 1 and formats[0] == "%Y-%m-%d":
        try:  # fast path for ISO dates (UDiFF)
            parsed = pc.cast(pc.strptime(col, format=formats[0], unit="s"), pa.date32())
            return np.asarray(parsed.to_numpy(zero_copy_only=False).astype(object), dtype=object)
        except pa.ArrowInvalid:
            pass
    text = col.to_pylist()
    cache: dict[str | None, date | None] = {}
    out = np.empty(len(text), dtype=object)
    for i, value in enumerate(text):
        if value not in cache:
            cache[value] = _parse_one_date(value, formats)
        out[i] = cache[value]
        if out[i] is None and value is not None:
            issues.add(RowIssue(i + 2, str(keys[0][i]), str(keys[1][i]), RowProblem.BAD_DATE,
                                f"{column}={value!r} is not a date"))
    return out


def _parse_one_date(value: str | None, formats: tuple[str, ...]) -> date | None:
    if value is None:
        return None
    for fmt in formats:
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


def line_numbers(n: int) -> np.ndarray:
    """Line numbers of ``n`` data rows (header is line 1)."""
    return np.arange(2, n + 2, dtype=np.int64)


@dataclass(frozen=True)
class Col:
    """How to fill one canonical column: from ``source`` as ``kind`` (``str``, ``num``, ``date``).

    ``scale`` multiplies numbers (unit conversion); ``formats`` are ``strptime`` formats for dates;
    ``source=None`` fills the column with ``const``.
    """

    source: str | None
    kind: str = "num"
    scale: float = 1.0
    formats: tuple[str, ...] = ()
    const: object = None


def build_frame(table: pa.Table, spec: dict[str, Col], key_columns: tuple[str, str],
                issues: RowIssues) -> pd.DataFrame:
    """A canonical frame from ``table`` following ``spec``; conversion problems go to ``issues``.

    ``key_columns`` are the source columns naming a row in issues (symbol, series).
    """
    keys = tuple(_text(table, c) if c in table.column_names else np.full(table.num_rows, "")
                 for c in key_columns)
    pair = (keys[0], keys[1])
    data: dict[str, object] = {}
    for name, col in spec.items():
        if col.source is None:
            data[name] = np.full(table.num_rows, col.const, dtype=object)
        elif col.kind == "str":
            data[name] = _text(table, col.source)
        elif col.kind == "date":
            data[name] = parse_dates(table, col.source, col.formats, pair, issues)
        else:
            data[name] = numeric(table, col.source, pair, issues, col.scale)
    data[LINE] = line_numbers(table.num_rows)
    return pd.DataFrame(data)


def _text(table: pa.Table, column: str) -> np.ndarray:
    """A string column, trimmed, nulls as empty strings, as an object array."""
    values = pc.fill_null(strip_column(table, column), "")
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
