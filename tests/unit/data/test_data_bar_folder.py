"""The per-symbol bar folder format and its validation errors (file, symbol and timestamp named)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from vyapari.core.errors import DataError
from vyapari.data.bars import read_bar_folder

CSV = "ts,open,high,low,close,volume\n"


def _write(folder: Path, name: str, body: str) -> None:
    (folder / name).write_text(CSV + body)


def test_naive_csv_times_mean_ist_and_parquet_keeps_its_zone(tmp_path: Path) -> None:
    _write(tmp_path, "INFY.csv", "2025-09-10 09:15:00,1,2,0.5,1.5,10\n2025-09-11 09:15:00,1,2,0.5,1.5,10\n")
    frame = pd.DataFrame({"ts": pd.to_datetime(["2025-09-10 03:45:00"]).tz_localize("UTC"), "open": [1.0],
                          "high": [2.0], "low": [0.5], "close": [1.0], "volume": [5]})
    frame.to_parquet(tmp_path / "TCS.parquet")
    bars = read_bar_folder(tmp_path, end=date(2025, 9, 10))
    assert sorted(bars) == ["INFY", "TCS"]
    assert len(bars["INFY"]) == 1
    assert bars["INFY"]["ts"].iloc[0].isoformat() == "2025-09-10T09:15:00+05:30"
    assert bars["TCS"]["ts"].iloc[0].isoformat() == "2025-09-10T09:15:00+05:30"


@pytest.mark.parametrize(("body", "message"), [
    ("2025-09-10 09:16:00,1,2,0.5,1.5,10\n2025-09-10 09:15:00,1,2,0.5,1.5,10\n",
     r"INFY.csv \(INFY\): ts not sorted: 2025-09-10T09:15:00\+05:30"),
    ("2025-09-10 09:15:00,1,2,0.5,1.5,10\n2025-09-10 09:15:00,1,2,0.5,1.5,10\n",
     r"INFY.csv \(INFY\): duplicate ts 2025-09-10T09:15:00\+05:30"),
    ("2025-09-10 09:15:00,1,2,0.5,,10\n", r"INFY.csv \(INFY\): NaN or non-numeric price at 2025-09-10T09:15"),
])
def test_bad_bar_files_name_file_symbol_and_timestamp(tmp_path: Path, body: str, message: str) -> None:
    _write(tmp_path, "INFY.csv", body)
    with pytest.raises(DataError, match=message):
        read_bar_folder(tmp_path)


def test_missing_columns_and_symbols_are_errors(tmp_path: Path) -> None:
    (tmp_path / "INFY.csv").write_text("ts,open,close\n2025-09-10 09:15:00,1,1\n")
    with pytest.raises(DataError, match=r"INFY.csv \(INFY\): missing columns \['high', 'low', 'volume'\]"):
        read_bar_folder(tmp_path)
    with pytest.raises(DataError, match="no bar file for"):
        read_bar_folder(tmp_path, symbols=["TCS"])
