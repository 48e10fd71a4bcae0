"""The tick store port and its Parquet implementation (one file per exchange, symbol and session).

Ticks are ``ts`` (tz-aware; stored as IST), ``price`` (₹) and ``qty`` (shares). Layout::

    ticks/exchange=<EX>/symbol=<SYM>/<YYYY-MM-DD>.parquet
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa

from vyapari.core.errors import DataError
from vyapari.core.time import IST
from vyapari.data import layout
from vyapari.data.minute_bars import build_minute_bars
from vyapari.data.parquet_io import frame_table, from_parquet_bytes, to_parquet_bytes
from vyapari.data.storage import ObjectStore

TICK_SCHEMA = pa.schema([("ts", pa.timestamp("ns", tz="Asia/Kolkata")), ("price", pa.float64()),
                         ("qty", pa.int64())])


class TickStore(Protocol):
    """Where raw ticks are kept."""

    def write_ticks(self, exchange: str, symbol: str, ticks: pd.DataFrame) -> int:
        """Store ticks (``ts``, ``price``, ``qty``); sessions present replace stored ones."""
        ...

    def read_ticks(self, exchange: str, symbol: str, start: date, end: date) -> pd.DataFrame:
        """Ticks of IST sessions ``start..end``, sorted by ``ts``."""
        ...


def _prefix(exchange: str, symbol: str) -> str:
    return f"ticks/exchange={layout.part(exchange)}/symbol={layout.part(symbol)}/"


class ParquetTickStore:
    """A :class:`TickStore` of Parquet files on an :class:`~vyapari.data.storage.ObjectStore`."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    def write_ticks(self, exchange: str, symbol: str, ticks: pd.DataFrame) -> int:
        """Write one file per IST session date found in ``ticks``; returns the number of files."""
        if not isinstance(ticks["ts"].dtype, pd.DatetimeTZDtype):
            raise DataError(f"{exchange}:{symbol} ticks: ts must be tz-aware")
        frame = ticks[["ts", "price", "qty"]].copy()
        frame["ts"] = frame["ts"].dt.tz_convert(IST).astype("datetime64[ns, Asia/Kolkata]")
        frame["qty"] = frame["qty"].astype(np.int64)
        frame = frame.sort_values("ts", kind="stable")
        written = 0
        for day, part in frame.groupby(frame["ts"].dt.date, sort=True):
            table = frame_table(part, TICK_SCHEMA)
            key = f"{_prefix(exchange, symbol)}{day.isoformat()}.parquet"
            self.store.put_atomic(key, to_parquet_bytes(table))
            written += 1
        return written

    def read_ticks(self, exchange: str, symbol: str, start: date, end: date) -> pd.DataFrame:
        """Ticks of sessions ``start..end`` (IST dates), sorted by ``ts``."""
        keys = self._keys(exchange, symbol, start, end)
        frames = [from_parquet_bytes(self.store.get(k)).to_pandas() for k in keys]
        if not frames:
            return pd.DataFrame({"ts": pd.Series([], dtype="datetime64[ns, Asia/Kolkata]"),
                                 "price": pd.Series([], dtype=np.float64),
                                 "qty": pd.Series([], dtype=np.int64)})
        return pd.concat(frames, ignore_index=True).sort_values("ts", kind="stable").reset_index(drop=True)

    def _keys(self, exchange: str, symbol: str, start: date, end: date) -> Iterable[str]:
        for key in self.store.list(_prefix(exchange, symbol)):
            day = layout.date_of_day_key(key)
            if day is not None and start <= day <= end:
                yield key

    def minute_bars(self, exchange: str, symbol: str, start: date, end: date) -> pd.DataFrame:
        """1-minute bars (IST, bar start, in-session only) built from the stored ticks."""
        return build_minute_bars(self.read_ticks(exchange, symbol, start, end), exchange)
