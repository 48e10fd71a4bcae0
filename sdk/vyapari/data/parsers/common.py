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
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from vyapari.data import arrow_values as av
from vyapari.data.formats import BhavcopyFormat, split_header
from vyapari.data.rejections import RejectionError, RejectReason, RowIssue, RowIssues, RowProblem

if TYPE_CHECKING:  # pandas loads only for a cell that is not a number, and for .frame
    import pandas as pd

LINE = "line"  # column holding each row's line number in the file (header = 1)
ISO_DATE = "%Y-%m-%d"
_NULLS = ["", "-", " "]
RowKeys = tuple[pa.Array, pa.Array]  # (symbol, series) of each row, trimmed, nulls as ""
_EMPTY = av.text_scalar("")


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


def _csv_names(payload: bytes, name: str) -> list[str]:
    """Column names of a CSV: the header's, then ``_extra<i>`` for trailing empty names.

    Rejects (``truncated``) a file whose last line has fewer fields than the header names.
    """
    end = payload.find(b"\n")
    first = payload if end < 0 else payload[:end]  # (partition would copy the rest of the file too)
    header = list(split_header(first.decode("utf-8-sig")))
    n_raw = len(first.rstrip(b"\r").split(b","))
    _check_truncated(payload, len(header), name)
    return header + [f"_extra{i}" for i in range(n_raw - len(header))]


def _read_csv(payload: bytes, names: list[str], types: dict[str, pa.DataType]) -> pa.Table:
    """The columns ``types`` of a CSV whose names are ``names`` (header skipped).

    Blocks of 256 KiB let pyarrow's threads parse a day file (~0.5 MB) in parallel; with one CPU
    for pyarrow (a worker of the batch ingest's pool) the file is parsed on this thread, without a
    hand-over to pyarrow's pool and back per block.
    """
    return pacsv.read_csv(
        io.BytesIO(payload),
        read_options=pacsv.ReadOptions(skip_rows=1, column_names=names, block_size=1 << 18,
                                       use_threads=pa.cpu_count() > 1),
        convert_options=pacsv.ConvertOptions(
            include_columns=[c for c in names if c in types], column_types=types,
            null_values=_NULLS, strings_can_be_null=True),
    )


def read_strings(payload: bytes, name: str, columns: Collection[str] | None = None) -> pa.Table:
    """Columns of a CSV as strings (nulls for empty and ``-``), named by the header.

    Every field of every row is parsed (malformed rows are rejected), but only the header names in
    ``columns`` (all when ``None``) are converted and returned. Trailing empty header names (a
    trailing comma) become ``_extra<i>`` columns.
    """
    names = _csv_names(payload, name)
    wanted = names if columns is None else [c for c in names if c in columns]
    try:
        table = _read_csv(payload, names, dict.fromkeys(wanted, pa.string()))
    except pa.ArrowInvalid as exc:
        raise RejectionError(RejectReason.MALFORMED_CSV, f"{name}: {exc}".splitlines()[0]) from None
    if table.num_rows == 0:
        raise RejectionError(RejectReason.NO_ROWS, f"{name} has a header but no rows")
    return table


def read_typed(payload: bytes, name: str, types: dict[str, pa.DataType]) -> pa.Table:
    """Columns ``types`` of a CSV converted while reading (float64 numbers, date32 ISO dates, strings).

    When any cell does not convert (a non-numeric price, a non-ISO date, a malformed row), the file is
    read again with :func:`read_strings`, so the converters of :func:`build_table` record the exact
    row problems (or the same rejection) as for any string column. Cells that convert here convert
    to the same values there: pyarrow's CSV number parser accepts what ``pyarrow.compute.cast``
    accepts, plus surrounding blanks, which the string path's pandas fallback also accepts.
    """
    names = _csv_names(payload, name)
    try:
        table = _read_csv(payload, names, types)
    except pa.ArrowInvalid:
        return read_strings(payload, name, types)
    if table.num_rows == 0:
        raise RejectionError(RejectReason.NO_ROWS, f"{name} has a header but no rows")
    return table


def strip_column(table: pa.Table, column: str) -> pa.Array:
    """A string column with surrounding spaces removed (BSE pads names and groups)."""
    return pc.utf8_trim_whitespace(table.column(column))


def text(table: pa.Table, column: str) -> pa.Array:
    """A string column, trimmed, nulls as empty strings (one chunk)."""
    values = strip_column(table, column)
    if values.null_count:
        values = pc.fill_null(values, _EMPTY)
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
    try:  # a float64 column (see read_typed) needs no cast
        values = av.to_floats(col)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        import pandas as pd

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
    """Column ``column`` parsed as a date32 array (null when unreadable; bad cells recorded).

    A date32 column (ISO dates converted by :func:`read_typed`) is taken as is; text is parsed once
    per distinct value (a file holds one or a few dates).
    """
    col = table.column(column)
    if col.type == pa.date32():
        return col.combine_chunks()
    if col.null_count == 0 and formats == (ISO_DATE,):
        try:  # fast path for ISO dates (UDiFF)
            return pc.cast(pc.strptime(col, format=ISO_DATE, unit="s"), pa.date32()).combine_chunks()
        except pa.ArrowInvalid:
            pass
    encoded = pc.dictionary_encode(col).combine_chunks()
    values = encoded.dictionary.to_pylist()
    parsed = [_parse_one_date(v, formats) for v in values]
    bad = np.array([p is None for p in parsed] + [False])  # the extra False: cells that are null
    codes = encoded.indices
    which = np.full(len(codes), len(values), dtype=np.int64)  # null cells point at the extra False
    which[av.to_bools(codes.is_valid())] = av.to_ints(codes.drop_null())
    for i in np.flatnonzero(bad[which]):
        symbol, series = _key(keys, int(i))
        issues.add(RowIssue(int(i) + 2, symbol, series, RowProblem.BAD_DATE,
                            f"{column}={values[which[i]]!r} is not a date"))
    days = np.array([(p - _EPOCH).days if p is not None else 0 for p in parsed], dtype=np.int32)
    return av.numbers(days, pa.date32(), null=np.array(bad[:-1], dtype=bool)).take(codes)


_EPOCH = date(1970, 1, 1)


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
        return av.repeat_text(value, n)
    if isinstance(value, date):
        return av.repeat_date(value, n)
    return av.numbers(np.full(n, np.nan if value is None else value, dtype=np.float64))


def build_table(table: pa.Table, spec: dict[str, Col], key_columns: tuple[str, str],
                issues: RowIssues) -> pa.Table:
    """A canonical table from ``table`` following ``spec``; conversion problems go to ``issues``.

    ``key_columns`` are the source columns naming a row in issues (symbol, series).
    """
    n = table.num_rows
    blank = av.repeat_text("", n)
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
            data[name] = av.numbers(numeric(table, col.source, keys, issues, col.scale))
    data[LINE] = av.numbers(line_numbers(n), pa.int64())
    return pa.Table.from_arrays(list(data.values()), names=list(data))


def _read_type(col: Col) -> pa.DataType:
    if col.kind == "num":
        return pa.float64()
    return pa.date32() if col.kind == "date" and col.formats == (ISO_DATE,) else pa.string()


def spec_types(spec: dict[str, Col], key_columns: tuple[str, str]) -> dict[str, pa.DataType]:
    """The source columns a ``spec`` reads and the type to read each as (for :func:`read_typed`).

    Numbers are read as float64 and ISO-only dates as date32; everything else (text, other date
    formats, the key columns, a column used in two ways) as strings.
    """
    types: dict[str, pa.DataType] = {}
    for col in spec.values():
        if col.source is not None:
            kind = _read_type(col)
            types[col.source] = kind if types.get(col.source, kind) == kind else pa.string()
    return {**types, **dict.fromkeys(key_columns, pa.string())}
