"""A user's own bar files (CSV or Parquet, minute or daily) read into one canonical frame.

Accepted layouts, recognised from the content (never from the file name):

* a header with ``ts`` (or ``timestamp``/``datetime``/``date``), ``open``, ``high``, ``low``,
  ``close``, ``volume`` and optionally ``symbol`` (case-insensitive); ``ts`` is ISO 8601 with an
  offset, naive ISO (meaning IST), or epoch milliseconds (seconds when below 10¹¹);
* the headerless vendor layout ``SYMBOL,YYYYMMDD,HH:MM,open,high,low,close,volume[,oi]`` (naive IST);
* Parquet with the same columns (``ts`` a timestamp, tz-aware or naive IST), e.g. ``vyapari sample``'s
  ``minute/<SYMBOL>.parquet``.

Without a ``symbol`` column the symbol is the file name's stem (``RELIANCE.csv`` → ``RELIANCE``).
A file whose every ``ts`` is midnight holds daily bars. The frame returned has ``symbol``, ``ts``
(tz-aware IST, as labelled in the file), ``open``, ``high``, ``low``, ``close`` (₹), ``volume`` and
``line`` (1-based line in a CSV, row number in Parquet); relabelling and validation happen later
(:mod:`vyapari.data.bar_ingest`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from vyapari.core.time import IST
from vyapari.data.parsers.bar_detect import PARQUET_MAGIC, PRICE_COLUMNS, is_bar_file
from vyapari.data.parsers.bar_detect import VENDOR_LINE as _VENDOR_LINE
from vyapari.data.parsers.bar_detect import ts_column as _ts_column
from vyapari.data.rejections import RejectionError, RejectReason

__all__ = ["PARQUET_MAGIC", "PRICE_COLUMNS", "BarFile", "is_bar_file", "parse_timestamps", "read_bar_file"]

_VENDOR_COLUMNS = ("symbol", "day", "hhmm", "open", "high", "low", "close", "volume", "oi")


@dataclass(frozen=True)
class BarFile:
    """Bars read from one file: ``frame`` (see the module docstring) and whether they are daily."""

    layout: str
    frame: pd.DataFrame
    daily: bool


def _stem(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.split(".", 1)[0].upper()


def parse_timestamps(values: pd.Series) -> pd.Series:
    """Timestamps as tz-aware IST; naive values are IST, numbers epoch ms (s below 10¹¹); NaT if bad."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(IST)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values.dt.tz_localize(IST)
    numeric = pd.to_numeric(values, errors="coerce")
    if len(values) and numeric.notna().all():
        unit = "ms" if float(numeric.abs().max()) >= 1e11 else "s"
        return pd.to_datetime(numeric.astype("int64"), unit=unit, utc=True).dt.tz_convert(IST)
    text = values.astype(str).str.strip()
    try:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    except (ValueError, TypeError):  # offsets differ between rows: go through UTC
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed.dt.tz_convert(IST)
    return parsed.dt.tz_localize(IST, ambiguous="NaT", nonexistent="NaT")


def _vendor(payload: bytes) -> pd.DataFrame:
    raw = pd.read_csv(io.BytesIO(payload), header=None, dtype=str, skip_blank_lines=False)
    raw = raw.iloc[:, : len(_VENDOR_COLUMNS)]
    raw.columns = list(_VENDOR_COLUMNS[: raw.shape[1]])
    naive = pd.to_datetime(raw["day"].str.strip() + " " + raw["hhmm"].str.strip(), format="mixed",
                           errors="coerce")
    return pd.DataFrame({"symbol": raw["symbol"].str.strip().str.upper(),
                         "ts": naive.dt.tz_localize(IST, ambiguous="NaT", nonexistent="NaT"),
                         **{c: raw[c] for c in (*PRICE_COLUMNS, "volume")},
                         "line": np.arange(1, len(raw) + 1)})


def _columns(table: pd.DataFrame, name: str, first_line: int) -> pd.DataFrame:
    table.columns = [str(c).strip().lower() for c in table.columns]
    ts_name = _ts_column(list(table.columns))
    missing = [c for c in PRICE_COLUMNS if c not in table.columns]
    if ts_name is None or missing:
        raise RejectionError(RejectReason.UNKNOWN_HEADER,
                             f"{name}: a bar file needs ts, open, high, low, close (missing "
                             f"{missing or ['ts']})")
    symbol = (table["symbol"].astype(str).str.strip().str.upper() if "symbol" in table.columns
              else pd.Series(_stem(name), index=table.index))
    volume = table["volume"] if "volume" in table.columns else pd.Series(0, index=table.index)
    return pd.DataFrame({"symbol": symbol, "ts": parse_timestamps(table[ts_name]),
                         **{c: table[c] for c in PRICE_COLUMNS}, "volume": volume,
                         "line": np.arange(first_line, first_line + len(table))})


def _parquet(payload: bytes, name: str) -> pd.DataFrame:
    try:
        table: pa.Table = pq.read_table(io.BytesIO(payload))
    except (pa.ArrowInvalid, OSError) as exc:
        raise RejectionError(RejectReason.TRUNCATED, f"{name}: not a readable Parquet file ({exc})") from None
    return _columns(table.to_pandas(), name, 1)


def read_bar_file(payload: bytes, name: str) -> BarFile:
    """Read a bar file (unzipped bytes) named ``name``; prices and volume coerced to numbers (NaN if bad).

    Raises
    ------
    RejectionError
        ``unknown_header`` without the required columns, ``truncated`` for unreadable Parquet,
        ``malformed_csv`` for unreadable CSV, ``no_rows`` when empty.
    """
    if payload.startswith(PARQUET_MAGIC):
        layout, frame = "bars_parquet", _parquet(payload, name)
    else:
        try:
            if _VENDOR_LINE.match(payload[:200]):
                layout, frame = "bars_vendor_csv", _vendor(payload)
            else:
                table = pd.read_csv(io.BytesIO(payload.removeprefix(b"\xef\xbb\xbf")), dtype=str)
                layout, frame = "bars_csv", _columns(table, name, 2)
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise RejectionError(RejectReason.MALFORMED_CSV, f"{name}: {exc}") from None
    if frame.empty:
        raise RejectionError(RejectReason.NO_ROWS, f"{name} has no bar rows")
    for column in (*PRICE_COLUMNS, "volume"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    valid = frame["ts"].dropna()
    daily = bool(len(valid)) and bool((valid.dt.hour == 0).all() and (valid.dt.minute == 0).all())
    return BarFile(layout, frame.reset_index(drop=True), daily)
