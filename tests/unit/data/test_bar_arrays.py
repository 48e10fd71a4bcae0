"""Typed Parquet bar folders read straight into arrays (``read_bar_arrays``): the same panel as the
pandas frames give, and every file the array path does not take goes to the frame path, whose errors
name the file, symbol and timestamp as always."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import vyapari
from vyapari.core.errors import DataError
from vyapari.data.bars import read_bar_arrays
from vyapari.market.calendar import get_calendar
from vyapari.strategy.feed import FolderDataFeed, FrameDataFeed, load_panel
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.synthetic import random_walk_panel

SDK = Path(vyapari.__file__).resolve().parents[1]


def _frames(symbols: int = 3, sessions: int = 4) -> dict[str, pd.DataFrame]:
    panel = random_walk_panel(symbols, sessions, seed=3)
    ts = pd.DatetimeIndex(pd.to_datetime(panel.ts, utc=True)).tz_convert("Asia/Kolkata")
    return {s: pd.DataFrame({"ts": ts, "open": panel.open[:, j], "high": panel.high[:, j],
                             "low": panel.low[:, j], "close": panel.close[:, j],
                             "volume": panel.volume[:, j].astype("int64")})
            for j, s in enumerate(panel.symbols)}


def _write(folder: Path, frames: dict[str, pd.DataFrame]) -> Path:
    folder.mkdir(exist_ok=True)
    for symbol, frame in frames.items():
        frame.to_parquet(folder / f"{symbol}.parquet", index=False)
    return folder


def _same_panel(a: BarPanel, b: BarPanel) -> None:
    assert a.symbols == b.symbols
    for name in a.__dataclass_fields__:
        if name != "symbols":
            x, y = np.asarray(getattr(a, name)), np.asarray(getattr(b, name))
            assert x.dtype == y.dtype and x.shape == y.shape, name
            assert x.tobytes() == y.tobytes(), name


@pytest.mark.parametrize("variant", ["ist", "utc-us", "naive-ms", "ints-float32", "extra-column"])
@pytest.mark.parametrize("window", [(None, None), (date(2026, 10, 28), date(2026, 10, 29))])
def test_the_array_path_builds_the_panel_the_frames_build(tmp_path: Path, variant: str,
                                                          window: tuple[date | None, date | None]) -> None:
    frames = _frames()
    written = {}
    for symbol, frame in frames.items():
        out = frame.copy()
        if variant == "utc-us":
            out["ts"] = out["ts"].dt.tz_convert("UTC").astype("datetime64[us, UTC]")
        elif variant == "naive-ms":
            out["ts"] = out["ts"].dt.tz_localize(None).astype("datetime64[ms]")
        elif variant == "ints-float32":
            out["open"] = np.round(out["open"]).astype("int32")
            out["close"] = out["close"].astype("float32")
            out["high"] = np.maximum(out["high"], np.maximum(out["open"], out["close"]))
            out["low"] = np.minimum(out["low"], np.minimum(out["open"], out["close"]))
        elif variant == "extra-column":
            out["series"] = "EQ"
        written[symbol] = out
    folder = _write(tmp_path / "bars", written)
    start, end = window
    arrays = read_bar_arrays(folder, None, start, end)
    assert arrays is not None and sorted(arrays) == sorted(frames)
    from_arrays = load_panel(FolderDataFeed(folder), start, end)
    from_frames = load_panel(FrameDataFeed(written), start, end)
    _same_panel(from_arrays, from_frames)


@pytest.mark.parametrize(("change", "message"), [
    ("unsorted", r"SYM001.parquet \(SYM001\): ts not sorted"),
    ("duplicate", r"SYM001.parquet \(SYM001\): duplicate ts"),
    ("nan", r"SYM001.parquet \(SYM001\): NaN or non-numeric price at"),
    ("string-ts", None),
    ("null-volume", None),
])
def test_files_the_array_path_leaves_go_to_the_frame_path(tmp_path: Path, change: str,
                                                           message: str | None) -> None:
    frames = _frames()
    bad = frames["SYM001"].copy()
    if change == "unsorted":
        bad = bad.iloc[[1, 0, *range(2, len(bad))]]
    elif change == "duplicate":
        bad = bad.iloc[[0, *range(len(bad))]]
    elif change == "nan":
        bad.loc[5, "close"] = np.nan
    elif change == "string-ts":
        bad["ts"] = bad["ts"].map(lambda t: t.isoformat())
    frames["SYM001"] = bad
    folder = _write(tmp_path / "bars", frames)
    if change == "null-volume":
        table = pq.read_table(folder / "SYM001.parquet")
        volume = pa.array([None, *table.column("volume").to_pylist()[1:]], type=pa.float64())
        pq.write_table(table.set_column(table.schema.get_field_index("volume"), "volume", volume),
                       folder / "SYM001.parquet")
    assert read_bar_arrays(folder) is None
    if message is not None:
        with pytest.raises(DataError, match=message):
            load_panel(FolderDataFeed(folder), None, None)
    elif change == "string-ts":  # read by the frame path: the same panel as the clean folder
        clean = _write(tmp_path / "clean", _frames())
        _same_panel(load_panel(FolderDataFeed(folder), None, None),
                    load_panel(FolderDataFeed(clean), None, None))
    else:
        with pytest.raises(DataError, match=r"SYM001: NaN price or volume at"):
            load_panel(FolderDataFeed(folder), None, None)


def test_a_csv_file_or_a_missing_symbol_takes_the_frame_path(tmp_path: Path) -> None:
    folder = _write(tmp_path / "bars", _frames(2, 2))
    assert read_bar_arrays(folder, ["SYM000", "NOPE"]) is None
    frames = _frames(2, 2)
    frames["SYM001"].to_csv(folder / "SYM001.csv", index=False)
    (folder / "SYM001.parquet").unlink()
    assert read_bar_arrays(folder) is None
    assert load_panel(FolderDataFeed(folder), None, None).symbols == ("SYM000", "SYM001")


def test_reading_a_parquet_folder_loads_no_pandas(tmp_path: Path) -> None:
    folder = _write(tmp_path / "bars", _frames(2, 2))
    get_calendar("NSE").sessions(date(2026, 8, 1), date(2026, 8, 31))  # the calendar cache is warm
    probe = ("import sys; from vyapari.strategy.feed import FolderDataFeed, load_panel; "
             f"p = load_panel(FolderDataFeed(__import__('pathlib').Path({str(folder)!r})), None, None); "
             "print(p.bar_count, 'pandas' in sys.modules)")
    env = dict(os.environ, PYTHONPATH=str(SDK))
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    count, loaded = done.stdout.split()
    assert int(count) == 2 * 2 * 375
    assert loaded == "False"
