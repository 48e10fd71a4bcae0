"""Minute bars in the lake: one Parquet file per (exchange, symbol, month), replaced atomically.

Bars are labelled by their START instant, tz-aware IST; prices in ₹, volume in shares.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from vyapari.core.errors import DataError
from vyapari.core.time import IST
from vyapari.data import layout
from vyapari.data.parquet_io import frame_table, from_parquet_bytes, to_parquet_bytes
from vyapari.data.schema import MINUTE_SCHEMA
from vyapari.data.storage import ObjectStore
from vyapari.data.validation import MAX_COUNT, MAX_PRICE_INR

_FIELDS = ("ts", "open", "high", "low", "close", "volume")


def check_bars(bars: pd.DataFrame, what: str) -> pd.DataFrame:
    """Validate a bar frame (columns, tz-aware ``ts``, sorted unique, no NaN price, finite prices in
    ``(0, MAX_PRICE_INR]`` and volumes in ``[0, MAX_COUNT]``); IST copy."""
    missing = [c for c in _FIELDS if c not in bars.columns]
    if missing:
        raise DataError(f"{what}: missing columns {missing}")
    if not isinstance(bars["ts"].dtype, pd.DatetimeTZDtype):
        raise DataError(f"{what}: ts must be tz-aware (got {bars['ts'].dtype})")
    out = bars[list(_FIELDS)].copy()
    out["ts"] = out["ts"].dt.tz_convert(IST).astype("datetime64[ns, Asia/Kolkata]")
    ts = out["ts"]
    if ts.duplicated().any():
        raise DataError(f"{what}: duplicate ts {ts[ts.duplicated()].iloc[0].isoformat()}")
    if not ts.is_monotonic_increasing:
        bad = int(np.flatnonzero(np.diff(pd.DatetimeIndex(ts).asi8) < 0)[0]) + 1
        raise DataError(f"{what}: ts not sorted at {ts.iloc[bad].isoformat()}")
    prices = out[["open", "high", "low", "close"]]
    nan = prices.isna().any(axis=1)
    if nan.any():
        raise DataError(f"{what}: NaN price at {ts[nan].iloc[0].isoformat()}")
    values = prices.to_numpy(dtype=np.float64)
    bad_price = ~((values > 0) & (values <= MAX_PRICE_INR)).all(axis=1)  # inf, 1e308, <= 0
    if bad_price.any():
        i = int(np.flatnonzero(bad_price)[0])
        raise DataError(f"{what}: price out of range (0, {MAX_PRICE_INR:g}] at {ts.iloc[i].isoformat()}: "
                        f"{values[i].tolist()}")
    volume = pd.to_numeric(out["volume"], errors="coerce").to_numpy(dtype=np.float64)
    bad_volume = ~((volume >= 0) & (volume <= MAX_COUNT))  # NaN, inf, negative, int64 overflow
    if bad_volume.any():
        i = int(np.flatnonzero(bad_volume)[0])
        raise DataError(f"{what}: volume out of range [0, {MAX_COUNT:g}] at {ts.iloc[i].isoformat()}: "
                        f"{out['volume'].iloc[i]}")
    return out


def _month_table(frame: pd.DataFrame) -> pa.Table:
    frame = frame.copy()
    frame["volume"] = frame["volume"].astype(np.int64)
    return frame_table(frame, MINUTE_SCHEMA)


def _read_key(store: ObjectStore, key: str) -> pd.DataFrame:
    frame = from_parquet_bytes(store.get(key)).to_pandas()
    frame["ts"] = frame["ts"].dt.tz_convert(IST)
    return frame


def write_minute_months(store: ObjectStore, exchange: str, symbol: str, bars: pd.DataFrame,
                        dataset: str = "minute_bars") -> int:
    """Merge ``bars`` into the symbol's month files (sessions in ``bars`` replace stored ones).

    ``dataset`` is ``minute_bars`` (1-minute) or ``bars_<N>m`` (a broker's N-minute history).
    """
    new = check_bars(bars, f"{exchange}:{symbol} minute bars")
    local = new["ts"].dt.tz_convert(IST)
    written = 0
    for (year, month), part in new.groupby([local.dt.year, local.dt.month], sort=True):
        key = layout.minute_key(exchange, symbol, int(year), int(month), dataset)
        if store.exists(key):
            old = _read_key(store, key)
            days = set(part["ts"].dt.date)
            old = old[~old["ts"].dt.date.isin(days)]
            merged = pd.concat([old, part], ignore_index=True).sort_values("ts", kind="stable")
        else:
            merged = part
        store.put_atomic(key, to_parquet_bytes(_month_table(merged)))
        written += 1
    return written


def _month_keys(store: ObjectStore, exchange: str, symbol: str,
                dataset: str) -> list[tuple[tuple[int, int], str]]:
    keys = []
    for key in store.list(layout.minute_prefix(exchange, symbol, dataset)):
        stem = key.rsplit("/", 1)[-1].removesuffix(".parquet")
        try:
            year, month = (int(x) for x in stem.split("-"))
        except ValueError:
            continue
        keys.append(((year, month), key))
    return sorted(keys)


def minute_session_range(store: ObjectStore, exchange: str, symbol: str,
                         dataset: str = "minute_bars") -> tuple[date, date] | None:
    """First and last IST session date of the symbol's stored bars (``None``: it has none).

    Reads only the first and the last month file."""
    keys = _month_keys(store, exchange, symbol, dataset)
    if not keys:
        return None
    first, last = _read_key(store, keys[0][1])["ts"], _read_key(store, keys[-1][1])["ts"]
    if first.empty or last.empty:
        return None
    return first.min().date(), last.max().date()


def read_minute_months(store: ObjectStore, exchange: str, symbol: str, start: date,
                       end: date, dataset: str = "minute_bars") -> pd.DataFrame:
    """Stored 1-minute (or ``dataset``) bars of ``symbol`` whose IST session date is in ``[start, end]``."""
    frames = [
        _read_key(store, key)
        for month, key in _month_keys(store, exchange, symbol, dataset)
        if (start.year, start.month) <= month <= (end.year, end.month)
    ]
    if not frames:
        return pd.DataFrame(columns=list(_FIELDS))
    bars = pd.concat(frames, ignore_index=True).sort_values("ts", kind="stable")
    days = bars["ts"].dt.date
    return bars[(days >= start) & (days <= end)].reset_index(drop=True)
