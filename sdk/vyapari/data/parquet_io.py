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


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def to_parquet_bytes(table: pa.Table) -> bytes:
    """Serialise ``table`` as Parquet (zstd; deterministic for a given pyarrow version)."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", write_statistics=True)
    return bytes(sink.getvalue().to_pybytes())


def from_parquet_bytes(data: bytes, columns: list[str] | None = None,
                       filters: list[Any] | None = None) -> pa.Table:
    """Read Parquet ``data`` (optionally some ``columns``, row ``filters`` in pyarrow's DNF form)."""
    return pq.read_table(pa.BufferReader(data), columns=columns, filters=filters)


def _int_column(values: pd.Series) -> pa.Array:
    arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    mask = np.isnan(arr)
    return pa.array(np.where(mask, 0, np.round(arr)).astype(np.int64), mask=mask)


def curated_table(dataset: str, frame: pd.DataFrame) -> pa.Table:
    """The curated Arrow table of validated rows (partition columns ``exchange``/``year`` left out).

    Integers (volumes, trades, open interest, lot size) become nullable int64; empty strings of
    optional text (ISIN) become nulls; rows are sorted by the dataset key.
    """
    schema = SCHEMAS[dataset]
    frame = frame.sort_values(_SORT[dataset], kind="stable", na_position="first", ignore_index=True)
    arrays = []
    for fld in schema:
        values = frame[fld.name]
        if pa.types.is_integer(fld.type):
            arrays.append(_int_column(values))
        elif pa.types.is_string(fld.type):
            text = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
            arrays.append(pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text))
        else:
            arrays.append(pa.array(values.to_numpy(dtype=object if fld.type == pa.date32() else None),
                                   type=fld.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


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
