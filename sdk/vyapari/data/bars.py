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
        return pd.read_parquet(path)
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
    dup = ts.duplicated()
    if dup.any():
        raise DataError(f"{where}: duplicate ts {ts[dup].iloc[0].isoformat()}")
    ns = pd.DatetimeIndex(ts).asi8
    back = np.flatnonzero(np.diff(ns) < 0)
    if back.size:
        raise DataError(f"{where}: ts not sorted: {ts.iloc[back[0] + 1].isoformat()} "
                        f"follows {ts.iloc[back[0]].isoformat()}")
    for col in ("open", "high", "low", "close"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(np.float64)
    nan = out[["open", "high", "low", "close"]].isna().any(axis=1)
    if nan.any():
        raise DataError(f"{where}: NaN or non-numeric price at {ts[nan].iloc[0].isoformat()}")
    return out.reset_index(drop=True)


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
    out = {}
    for symbol in wanted:
        bars = check_bar_frame(_load(files[symbol]), f"{files[symbol].name} ({symbol})")
        days = bars["ts"].dt.date
        keep = np.ones(len(bars), dtype=bool)
        if start is not None:
            keep &= (days >= start).to_numpy()
        if end is not None:
            keep &= (days <= end).to_numpy()
        out[symbol] = bars.loc[keep].reset_index(drop=True)
    return out
