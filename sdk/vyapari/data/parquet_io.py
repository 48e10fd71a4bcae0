"""Parquet bytes in and out (pyarrow, independent of the object store), and curated table shaping."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from vyapari.data import arrow_values as av
from vyapari.data.ordering import sort_by_key
from vyapari.data.schema import CORPORATE_ACTION_SCHEMA, DAILY_KEY, DAILY_SCHEMA, FO_KEY, FO_SCHEMA

if TYPE_CHECKING:  # the ingest path writes Arrow tables; pandas frames only come from bar and minute writers
    import pandas as pd

SCHEMAS = {"daily_bars": DAILY_SCHEMA, "fo_daily": FO_SCHEMA, "corporate_actions": CORPORATE_ACTION_SCHEMA}
_SORT = {  # the row order of curated files: the dataset key
    "daily_bars": list(DAILY_KEY),
    "fo_daily": list(FO_KEY),
    "corporate_actions": ["symbol", "ex_date", "kind", "purpose"],
}
# Columns whose min/max statistics readers filter on (dates and keys; not prices or volumes).
_STATISTICS: dict[str, bool | list[str]] = {
    "daily_bars": ["session_date", "symbol", "series"],
    "fo_daily": ["session_date", "instrument_type", "symbol", "expiry", "strike", "option_type"],
    "corporate_actions": True,
}
# Columns worth a Parquet dictionary (few distinct values per file).
_DICTIONARY: dict[str, bool | list[str]] = {
    "daily_bars": ["session_date", "series"],
    "fo_daily": ["session_date", "instrument_type", "symbol", "expiry", "option_type", "lot_size"],
    "corporate_actions": True,
}


_EMPTY = av.text_scalar("")

# The codec of curated daily files: zstd sets up a context per column chunk, which costs more than
# compressing a 3,000-row day (snappy writes a day file in about 60 % of the time, ~1.6x the bytes).
CURATED_COMPRESSION = "snappy"


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def to_parquet_bytes(table: pa.Table, dictionary: bool | list[str] = True,
                     compression: str = "zstd", statistics: bool | list[str] = True) -> bytes:
    """Serialise ``table`` as Parquet (deterministic for a given pyarrow version).

    ``dictionary`` names the columns to dictionary-encode (all when ``True``); dictionaries of
    near-unique columns (symbols, ISINs) cost time and bytes for nothing. ``compression`` is a
    Parquet codec (``zstd`` by default; ``snappy`` for the curated day files, see
    :data:`CURATED_COMPRESSION`). ``statistics`` names the columns to keep min/max statistics of
    (all when ``True``).
    """
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression=compression, write_statistics=statistics,
                   use_dictionary=dictionary)
    return sink.getvalue().to_pybytes()


def from_parquet_bytes(data: bytes, columns: list[str] | None = None,
                       filters: list[Any] | None = None) -> pa.Table:
    """Read Parquet ``data`` (optionally some ``columns``, row ``filters`` in pyarrow's DNF form)."""
    return pq.read_table(pa.BufferReader(data), columns=columns, filters=filters)


def _floats(col: pa.ChunkedArray) -> np.ndarray:
    """A numeric column as a float64 numpy array (NaN for nulls)."""
    return av.to_floats(col)


def _int_column(col: pa.ChunkedArray) -> pa.Array:
    values = _floats(col)
    mask = np.isnan(values)
    if not mask.any():
        return av.numbers(np.round(values), pa.int64())
    return av.numbers(np.where(mask, 0, np.round(values)), pa.int64(), null=mask)


def _curated_column(col: pa.ChunkedArray, kind: pa.DataType) -> pa.Array:
    if pa.types.is_integer(kind):
        return _int_column(col)
    if pa.types.is_string(kind):
        text = col if col.type == kind else pc.cast(col, kind)
        empty = pc.equal(text, _EMPTY)
        if pc.any(empty).as_py():
            text = pc.if_else(empty, av.null_scalar(pa.string()), text)
        return text.combine_chunks()
    if pa.types.is_floating(kind):  # NaN becomes null, as pandas' from_pandas conversion did
        values = _floats(col)
        missing = np.isnan(values)
        return av.numbers(values, kind, null=missing if missing.any() else None)
    return pc.cast(col, kind).combine_chunks()


def curated_table(dataset: str, rows: pa.Table, key_ordered: bool = False) -> pa.Table:
    """The curated Arrow table of validated rows (partition columns ``exchange``/``year`` left out).

    Integers (volumes, trades, open interest, lot size) become nullable int64 (rounded); NaN prices
    and empty strings of optional text (ISIN) become nulls; rows are sorted (stably) by the dataset
    key with missing key values first (rows already in that order, or ``key_ordered``, are not copied).
    """
    schema = SCHEMAS[dataset]
    if not key_ordered:
        rows = sort_by_key(rows, _SORT[dataset])
    arrays = [_curated_column(rows.column(fld.name), fld.type) for fld in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def curated_parquet(dataset: str, rows: pa.Table, key_ordered: bool = False) -> bytes:
    """The Parquet bytes of the curated table of ``rows`` (see :func:`curated_table`)."""
    table = curated_table(dataset, rows, key_ordered)
    return to_parquet_bytes(table, _DICTIONARY[dataset], CURATED_COMPRESSION, _STATISTICS[dataset])


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
