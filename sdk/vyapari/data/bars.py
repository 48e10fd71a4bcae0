"""The per-symbol bar folder format: ``<SYMBOL>.parquet`` or ``<SYMBOL>.csv`` files of OHLCV bars.

Columns: ``ts`` (tz-aware, or naive meaning IST; bar start), ``open``, ``high``, ``low``, ``close`` (₹),
``volume`` (shares). Files must be sorted by ``ts`` without duplicates and without NaN prices; every
error names the file, the symbol and the offending timestamp.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vyapari.core.errors import DataError, InvalidInput
from vyapari.core.time import IST, IST_OFFSET_NS

if TYPE_CHECKING:  # pandas loads for CSV files and frames, not for read_bar_arrays
    import pandas as pd

BAR_FILE_COLUMNS = ("ts", "open", "high", "low", "close", "volume")


def _load(path: Path) -> pd.DataFrame:
    import pandas as pd

    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        schema = pq.read_schema(path)
        wanted = [c for c in BAR_FILE_COLUMNS if c in schema.names]
        # only the bar columns (a missing one is reported by check_bar_frame); Arrow to pandas directly
        table = pq.read_table(path, columns=wanted if len(wanted) == len(BAR_FILE_COLUMNS) else None)
        return table.to_pandas()
    return pd.read_csv(path)


def _to_ist(ts: pd.Series, where: str) -> pd.Series:
    import pandas as pd

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
    import pandas as pd

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
    import pandas as pd

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


_FIXED_IST_FROM_NS = -757_400_000_000_000_000  # 1946-01-01 UTC: IST has been UTC+05:30 since 1945
_NS_PER_DAY = 86_400_000_000_000

BarArrays = tuple[np.ndarray, np.ndarray]
"""One symbol's bars: starts (UTC epoch ns, int64) and ``[bars, 5]`` float64 ``open, high, low, close,
volume`` (₹, shares)."""


def _ist_midnight_ns(day: date) -> int:
    return int((datetime(day.year, day.month, day.day) - datetime(1970, 1, 1)).total_seconds()) * 10**9 \
        - IST_OFFSET_NS


_NS_PER_UNIT = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


def _numbers(column: Any) -> np.ndarray:
    """A null-free Arrow column of numbers or timestamps (int64) as a numpy array, from its data
    buffers: ``to_numpy`` would import pandas (a third of a short run's start-up)."""
    import pyarrow as pa

    parts = []
    kind = "i"
    for chunk in column.chunks:
        if pa.types.is_floating(chunk.type):
            kind = "f"
        elif pa.types.is_unsigned_integer(chunk.type):
            kind = "u"
        width = chunk.type.bit_width // 8
        parts.append(np.frombuffer(chunk.buffers()[1], dtype=np.dtype(f"<{kind}{width}"), count=len(chunk),
                                   offset=chunk.offset * width))
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _typed(schema: Any) -> bool:
    """Every bar column present, ``ts`` an Arrow timestamp, the others Arrow numbers."""
    import pyarrow as pa

    if any(c not in schema.names for c in BAR_FILE_COLUMNS):
        return False
    numeric = (pa.types.is_floating, pa.types.is_integer)
    return pa.types.is_timestamp(schema.field("ts").type) and all(
        any(test(schema.field(c).type) for test in numeric) for c in BAR_FILE_COLUMNS[1:])


def _parquet_arrays(path: Path, start: date | None, end: date | None) -> BarArrays | None:
    """One Parquet bar file straight into arrays, or None when it needs the frame path: a column
    missing or not a timestamp/number, a null, a naive ``ts`` before 1946, or any check failing
    (the frame path then reports it, with the same message as always)."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    schema = parquet.schema_arrow
    if not _typed(schema):
        return None
    ts_type = schema.field("ts").type
    table = parquet.read(columns=list(BAR_FILE_COLUMNS))
    if any(table.column(c).null_count for c in BAR_FILE_COLUMNS):
        return None
    ns = _numbers(table.column("ts")) * _NS_PER_UNIT[ts_type.unit]
    if ts_type.tz is None:  # naive means IST: the fixed offset, since 1946 (before it, the frame path)
        if ns.size and ns.min() < _FIXED_IST_FROM_NS + IST_OFFSET_NS:
            return None
        ns = ns - IST_OFFSET_NS
    values = np.empty((len(ns), 5))
    for k, column in enumerate(BAR_FILE_COLUMNS[1:]):
        values[:, k] = _numbers(table.column(column))
    if ns.size > 1 and (np.diff(ns) <= 0).any():  # duplicate or unsorted: the frame path says which
        return None
    if np.isnan(values[:, :4]).any():
        return None
    keep = np.ones(len(ns), dtype=bool)
    if start is not None:
        keep &= ns >= _ist_midnight_ns(start)
    if end is not None:
        keep &= ns < _ist_midnight_ns(end) + _NS_PER_DAY
    return (ns, values) if keep.all() else (ns[keep], values[keep])


def read_bar_arrays(folder: str | os.PathLike[str], symbols: list[str] | None = None,
                    start: date | None = None, end: date | None = None) -> dict[str, BarArrays] | None:
    """:func:`read_bar_folder` as arrays (:data:`BarArrays`) without pandas, for Parquet files with
    typed columns; None when any file needs the frame path (a CSV file, a string ``ts``, a problem
    to report), so the caller reads the folder with :func:`read_bar_folder` instead."""
    root = Path(folder)
    if not root.is_dir():
        return None
    files = {p.stem: p for p in sorted(root.iterdir()) if p.suffix.lower() in (".parquet", ".csv")}
    wanted = sorted(files) if symbols is None else list(symbols)
    if any(s not in files or files[s].suffix.lower() != ".parquet" for s in wanted):
        return None
    if len(wanted) < 4:
        read = [_parquet_arrays(files[s], start, end) for s in wanted]
    else:
        from concurrent.futures import ThreadPoolExecutor

        # Parquet decoding and the array checks release the GIL: a few threads overlap them
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            read = list(pool.map(lambda s: _parquet_arrays(files[s], start, end), wanted))
    if any(arrays is None for arrays in read):
        return None
    return {s: arrays for s, arrays in zip(wanted, read, strict=True) if arrays is not None}
