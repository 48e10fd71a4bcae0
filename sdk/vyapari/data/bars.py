"""The per-symbol bar folder format: ``<SYMBOL>.parquet`` or ``<SYMBOL>.csv`` files of OHLCV bars.

Columns: ``ts`` (tz-aware, or naive meaning IST; bar start), ``open``, ``high``, ``low``, ``close`` (₹),
``volume`` (shares). Files must be sorted by ``ts`` without duplicates and without NaN prices; every
error names the file, the symbol and the offending timestamp.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from vyapari.core.errors import DataError, InvalidInput
from vyapari.core.time import IST

BAR_FILE_COLUMNS = ("ts", "open", "high", "low", "close", "volume")


def _load(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        schema = pq.read_schema(path)
        wanted = [c for c in BAR_FILE_COLUMNS if c in schema.names]
        # only the bar columns (a missing one is reported by check_bar_frame); Arrow to pandas directly
        table = pq.read_table(path, columns=wanted if len(wanted) == len(BAR_FILE_COLUMNS) else None)
        return table.to_pandas()
    return pd.read_csv(path)


def _to_ist(ts: pd.Series, where: str) -> pd.Series:
    if isinstance(ts.dtype, pd.DatetimeTZDtype):
        return ts.dt.tz_convert(IST)
    try:
        parsed = pd.to_datetime(ts, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise DataError(f"{where}: ts is not a timestamp column ({exc})") from None
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed.dt.tz_convert(IST)
    return parsed.dt.tz_localize(IST)


def check_bar_frame(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Validate and normalise one symbol's bars (``ts`` as IST); ``DataError`` naming ``where`` and ts."""
    missing = [c for c in BAR_FILE_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{where}: missing columns {missing}")
    out = frame[list(BAR_FILE_COLUMNS)].copy()
    out["ts"] = _to_ist(out["ts"], where)
    ts = out["ts"]
    step = np.diff(pd.DatetimeIndex(ts).asi8)
    back = np.flatnonzero(step < 0)
    # in sorted order a duplicate is a zero step; out of order, look for one anywhere (reported first)
    dup = ts.duplicated().to_numpy() if back.size else np.r_[False, step == 0]
    if dup.any():
        raise DataError(f"{where}: duplicate ts {ts[dup].iloc[0].isoformat()}")
    if back.size:
        raise DataError(f"{where}: ts not sorted: {ts.iloc[back[0] + 1].isoformat()} "
                        f"follows {ts.iloc[back[0]].isoformat()}")
    for col in ("open", "high", "low", "close"):
        if out[col].dtype != np.float64:
            out[col] = pd.to_numeric(out[col], errors="coerce").astype(np.float64)
    nan = np.isnan(out[["open", "high", "low", "close"]].to_numpy()).any(axis=1)
    if nan.any():
        raise DataError(f"{where}: NaN or non-numeric price at {ts[nan].iloc[0].isoformat()}")
    return out.reset_index(drop=True)


def _clip(bars: pd.DataFrame, start: date | None, end: date | None) -> pd.DataFrame:
    """Rows whose IST session date is within ``[start, end]`` (compared as instants, no date objects)."""
    if start is None and end is None:
        return bars
    ns = pd.DatetimeIndex(bars["ts"]).as_unit("ns").asi8
    keep = np.ones(len(bars), dtype=bool)
    if start is not None:
        keep &= ns >= pd.Timestamp(start, tz=IST).value
    if end is not None:
        keep &= ns < pd.Timestamp(end, tz=IST).value + 86_400_000_000_000
    return bars if keep.all() else bars.loc[keep].reset_index(drop=True)


def read_bar_folder(folder: str | os.PathLike[str], symbols: list[str] | None = None,
                    start: date | None = None, end: date | None = None) -> dict[str, pd.DataFrame]:
    """Bars of each ``<SYMBOL>.parquet``/``<SYMBOL>.csv`` in ``folder``, keyed by symbol.

    Parameters
    ----------
    symbols : list of str, optional
        Only these symbols (a missing file is an error); default every file.
    start, end : date, optional
        Keep bars whose IST date is within ``[start, end]``.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InvalidInput("folder", f"{root} is not a folder")
    files = {p.stem: p for p in sorted(root.iterdir()) if p.suffix.lower() in (".parquet", ".csv")}
    wanted = sorted(files) if symbols is None else list(symbols)
    absent = [s for s in wanted if s not in files]
    if absent:
        raise DataError(f"{root}: no bar file for {absent}")

    def one(symbol: str) -> pd.DataFrame:
        return _clip(check_bar_frame(_load(files[symbol]), f"{files[symbol].name} ({symbol})"), start, end)

    if len(wanted) < 4:
        return {symbol: one(symbol) for symbol in wanted}
    from concurrent.futures import ThreadPoolExecutor

    # Parquet decoding and the array checks release the GIL: a few threads overlap them
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return dict(zip(wanted, pool.map(one, wanted), strict=True))
