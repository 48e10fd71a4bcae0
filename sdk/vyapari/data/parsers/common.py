"""Shared pieces of the file parsers: CSV to string columns, numeric and date coercion with row issues.

Parsers produce Arrow tables (no pandas on the ingest path); ``ParsedFile.frame`` gives a pandas view
for inspection and tests.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
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
RowKeys = tuple[pa.Array, pa.Array]  # (symbol, series) of each row, trimmed, nulls as ""


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
    table : pyarrow.Table
        Canonical columns (see :mod:`vyapari.data.schema`) plus ``line``: text as strings (trimmed,
        ``""`` for missing), numbers as float64 (NaN for missing or unreadable), dates as date32.
    issues : RowIssues
        Rows that could not be converted (kept in ``table`` with NaN; dropped by validation).
    notes : list[str]
        Informational notes (e.g. unrecognised corporate-action purposes).
    """

    format: BhavcopyFormat
    dataset: str
    exchange: str
    table: pa.Table
    issues: RowIssues = field(default_factory=RowIssues)
    notes: list[str] = field(default_factory=list)

    @property
    def frame(self) -> pd.DataFrame:
        """The rows as a pandas frame (a copy; dates as :class:`datetime.date` objects)."""
        return self.table.to_pandas()


def _check_truncated(payload: bytes, n_fields: int, name: str) -> None:
    end = len(payload)
    while end and payload[end - 1] in b"\r\n":
        end -= 1
    newline = payload.rfind(b"\n", 0, end)
    if newline < 0:  # a single line: nothing to compare
        return
    last = payload[newline + 1:end].decode("utf-8", "replace")
    fields = next(csv.reader(io.StringIO(last)), [])
    if len(fields) < n_fields:
        raise RejectionError(RejectReason.TRUNCATED,
                        f"{name}: last line has {len(fields)} of {n_fields} fields (file cut short)",
                        {"last_line": last[:120]})


def read_strings(payload: bytes, name: str, columns: Collection[str] | None = None) -> pa.Table:
    """Columns of a CSV as strings (nulls for empty and ``-``), named by the header.

    Every field of every row is parsed (malformed rows are rejected), but only the header names in
    ``columns`` (all when ``None``) are converted and returned. Trailing empty header names (a
    trailing comma) become ``_extra<i>`` columns.
    """
    first, _, _ = payload.partition(b"\n")
    header = list(split_header(first.decode("utf-8-sig")))
    n_raw = len(first.rstrip(b"\r").split(b","))
    names = header + [f"_extra{i}" for i in range(n_raw - len(header))]
    _check_truncated(payload, len(header), name)
    wanted = names if columns is None else [c for c in names if c in columns]
    try:
        table = pacsv.read_csv(
            io.BytesIO(payload),
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=names, block_size=1 << 22),
            convert_options=pacsv.ConvertOptions(
                include_columns=wanted, column_types=dict.fromkeys(wanted, pa.string()),
                null_values=_NULLS, strings_can_be_null=True),
        )
    except pa.ArrowInvalid as exc:
        raise RejectionError(RejectReason.MALFORMED_CSV, f"{name}: {exc}".splitlines()[0]) from None
    if table.num_rows == 0:
        raise RejectionError(RejectReason.NO_ROWS, f"{name} has a header but no rows")
    return table


def strip_column(table: pa.Table, column: str) -> pa.Array:
    """A string column with surrounding spaces removed (BSE pads names and groups)."""
    return pc.utf8_trim_whitespace(table.column(column))


def text(table: pa.Table, column: str) -> pa.Array:
    """A string column, trimmed, nulls as empty strings (one chunk)."""
    values = pc.fill_null(strip_column(table, column), "")
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _key(keys: RowKeys, i: int) -> tuple[str, str]:
    return str(keys[0][i].as_py()), str(keys[1][i].as_py())


def numeric(table: pa.Table, column: str, keys: RowKeys, issues: RowIssues, scale: float = 1.0) -> np.ndarray:
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
        cells = pd.Series(col.to_pandas(), dtype=object)
        values = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=np.float64)
        for i in np.flatnonzero(np.isnan(values) & cells.notna().to_numpy()):
            symbol, series = _key(keys, int(i))
            issues.add(RowIssue(int(i) + 2, symbol, series, RowProblem.NON_NUMERIC,
                                f"{column}={cells.iloc[i]!r} is not a number"))
    values = np.asarray(values, dtype=np.float64)
    return values * scale if scale != 1.0 else values


def parse_dates(table: pa.Table, column: str, formats: tuple[str, ...], keys: RowKeys,
                issues: RowIssues) -> pa.Array:
    """Column ``column`` parsed as a date32 array (null when unreadable; bad cells recorded)."""
    col = table.column(column)
    if col.null_count == 0 and len(formats) == 1 and formats[0] == "%Y-%m-%d":
        try:  # fast path for ISO dates (UDiFF)
            return pc.cast(pc.strptime(col, format=formats[0], unit="s"), pa.date32()).combine_chunks()
        except pa.ArrowInvalid:
            pass
    cache: dict[str | None, date | None] = {}
    out: list[date | None] = []
    for i, value in enumerate(col.to_pylist()):
        if value not in cache:
            cache[value] = _parse_one_date(value, formats)
        out.append(cache[value])
        if out[-1] is None and value is not None:
            symbol, series = _key(keys, i)
            issues.add(RowIssue(i + 2, symbol, series, RowProblem.BAD_DATE,
                                f"{column}={value!r} is not a date"))
    return pa.array(out, type=pa.date32())


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
    ``source=None`` fills the column with ``const`` (a str, a float, a date or ``None``).
    """

    source: str | None
    kind: str = "num"
    scale: float = 1.0
    formats: tuple[str, ...] = ()
    const: object = None


def _const(value: object, n: int) -> pa.Array:
    if isinstance(value, str):
        return pa.repeat(pa.scalar(value, pa.string()), n)
    if isinstance(value, date):
        return pa.repeat(pa.scalar(value, pa.date32()), n)
    return pa.array(np.full(n, np.nan if value is None else value, dtype=np.float64))


def build_table(table: pa.Table, spec: dict[str, Col], key_columns: tuple[str, str],
                issues: RowIssues) -> pa.Table:
    """A canonical table from ``table`` following ``spec``; conversion problems go to ``issues``.

    ``key_columns`` are the source columns naming a row in issues (symbol, series).
    """
    n = table.num_rows
    blank = pa.repeat(pa.scalar("", pa.string()), n)
    keys = (text(table, key_columns[0]) if key_columns[0] in table.column_names else blank,
            text(table, key_columns[1]) if key_columns[1] in table.column_names else blank)
    texts = dict(zip(key_columns, keys, strict=True))
    data: dict[str, pa.Array] = {}
    for name, col in spec.items():
        if col.source is None:
            data[name] = _const(col.const, n)
        elif col.kind == "str":
            data[name] = texts[col.source] if col.source in texts else text(table, col.source)
        elif col.kind == "date":
            data[name] = parse_dates(table, col.source, col.formats, keys, issues)
        else:
            data[name] = pa.array(numeric(table, col.source, keys, issues, col.scale))
    data[LINE] = pa.array(line_numbers(n))
    return pa.table(data)


def spec_columns(spec: dict[str, Col], key_columns: tuple[str, str]) -> frozenset[str]:
    """The source columns a ``spec`` reads (for :func:`read_strings`)."""
    return frozenset(c.source for c in spec.values() if c.source is not None) | frozenset(key_columns)
