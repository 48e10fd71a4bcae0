"""Parquet bytes in and out (pyarrow, independent of the object store), and curated table shaping."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from vyapari.data.schema import CORPORATE_ACTION_SCHEMA, DAILY_SCHEMA, FO_SCHEMA

SCHEMAS = {"daily_bars": DAILY_SCHEMA, "fo_daily": FO_SCHEMA, "corporate_actions": CORPORATE_ACTION_SCHEMA}
_SORT = {
    "daily_bars": ["symbol", "series"],
    "fo_daily": ["instrument_type", "symbol", "expiry", "strike", "option_type"],
    "corporate_actions": ["symbol", "ex_date", "kind", "purpose"],
}
# Columns worth a Parquet dictionary (few distinct values per file).
_DICTIONARY: dict[str, bool | list[str]] = {
    "daily_bars": ["session_date", "series"],
    "fo_daily": ["session_date", "instrument_type", "symbol", "expiry", "option_type", "lot_size"],
    "corporate_actions": True,
}


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def to_parquet_bytes(table: pa.Table, dictionary: bool | list[str] = True) -> bytes:
    """Serialise ``table`` as Parquet (zstd; deterministic for a given pyarrow version).

    ``dictionary`` names the columns to dictionary-encode (all when ``True``); dictionaries of
    near-unique columns (symbols, ISINs) cost time and bytes for nothing.
    """
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", write_statistics=True, use_dictionary=dictionary)
    return sink.getvalue().to_pybytes()


def from_parquet_bytes(data: bytes, columns: list[str] | None = None,
                       filters: list[Any] | None = None) -> pa.Table:
    """Read Parquet ``data`` (optionally some ``columns``, row ``filters`` in pyarrow's DNF form)."""
    return pq.read_table(pa.BufferReader(data), columns=columns, filters=filters)


def _sort_key(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Sort key of a column: NaN as null so that both sort first (pandas ``na_position="first"``)."""
    if pa.types.is_floating(col.type):
        return pc.if_else(pc.is_nan(col), pa.scalar(None, col.type), col)
    return col


def _int_column(col: pa.ChunkedArray) -> pa.Array:
    values = np.asarray(pc.cast(col, pa.float64()).to_numpy(), dtype=np.float64)
    mask = np.isnan(values)
    return pa.array(np.where(mask, 0, np.round(values)).astype(np.int64), mask=mask)


def _curated_column(col: pa.ChunkedArray, kind: pa.DataType) -> pa.Array:
    if pa.types.is_integer(kind):
        return _int_column(col)
    if pa.types.is_string(kind):
        text = pc.cast(col, pa.string())
        return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text).combine_chunks()
    if pa.types.is_floating(kind):  # NaN becomes null, as pandas' from_pandas conversion did
        return pa.array(np.asarray(col.to_numpy(), dtype=np.float64), type=kind, from_pandas=True)
    return pc.cast(col, kind).combine_chunks()


def curated_table(dataset: str, rows: pa.Table) -> pa.Table:
    """The curated Arrow table of validated rows (partition columns ``exchange``/``year`` left out).

    Integers (volumes, trades, open interest, lot size) become nullable int64 (rounded); NaN prices
    and empty strings of optional text (ISIN) become nulls; rows are sorted (stably) by the dataset
    key with missing key values first.
    """
    schema = SCHEMAS[dataset]
    keys = _SORT[dataset]
    sort_keys = pa.table({k: _sort_key(rows.column(k)) for k in keys})
    order = pc.sort_indices(sort_keys, sort_keys=[(k, "ascending", "at_start") for k in keys])
    rows = rows.take(order)
    arrays = [_curated_column(rows.column(fld.name), fld.type) for fld in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def curated_parquet(dataset: str, rows: pa.Table) -> bytes:
    """The Parquet bytes of the curated table of ``rows`` (see :func:`curated_table`)."""
    return to_parquet_bytes(curated_table(dataset, rows), _DICTIONARY[dataset])


def ts_array(ts: pd.Series, tz: str = "Asia/Kolkata") -> pa.Array:
    """A tz-aware pandas datetime column as an Arrow ``timestamp[ns, tz]`` array."""
    utc = ts.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]").to_numpy()
    as_utc = pa.array(utc, type=pa.timestamp("ns")).cast(pa.timestamp("ns", tz="UTC"))
    return as_utc.cast(pa.timestamp("ns", tz=tz))


def frame_table(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """``frame`` as an Arrow table of ``schema`` (tz-aware timestamp columns converted explicitly)."""
    arrays = [ts_array(frame[f.name]) if pa.types.is_timestamp(f.type)
              else pa.array(frame[f.name].to_numpy(), type=f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)
