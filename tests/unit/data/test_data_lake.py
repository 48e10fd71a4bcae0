"""The lake: idempotent re-ingestion, atomic replacement of a corrected day, adjusted reads."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.unit.data.data_builders import ROWS, legacy_csv, udiff_csv, udiff_name, zipped

from vyapari.data.lake import Lake
from vyapari.data.storage import LocalObjectStore, MemoryObjectStore
from vyapari.data.validation import ValidationPolicy

DAY = "2025-09-10"


def test_reingesting_the_same_file_is_unchanged(lake: Lake) -> None:
    first = lake.ingest_file(udiff_csv(DAY), udiff_name(DAY))
    before = lake.store.get(first.curated_key or "")
    again = lake.ingest_file(udiff_csv(DAY), udiff_name(DAY))
    assert (first.status, again.status) == ("ingested", "unchanged")
    assert lake.store.get(again.curated_key or "") == before
    assert len(lake.store.list("raw/")) == 1


def test_same_content_zipped_or_in_the_other_layout_is_unchanged(lake: Lake) -> None:
    lake.ingest_file(udiff_csv(DAY), udiff_name(DAY))
    zipped_again = lake.ingest_file(zipped((udiff_name(DAY), udiff_csv(DAY))), udiff_name(DAY) + ".zip")
    same_values = legacy_csv("10-SEP-2025").replace(b"123456.75", b"1000.50").replace(b",42,", b",10,")
    legacy = lake.ingest_file(same_values, "cm10SEP2025bhav.csv")
    assert zipped_again.status == "unchanged"
    assert legacy.status == "unchanged"
    assert len(lake.store.list("raw/")) == 3  # every input kept as received


def test_corrected_file_replaces_the_day(tmp_path: Path) -> None:
    # 2 rows replacing 3 is under the 80 % guard: allowed here as by `vyapari ingest --replace`
    lake = Lake.at(tmp_path, policy=ValidationPolicy(replace_smaller_day=True))
    lake.ingest_file(udiff_csv(DAY), udiff_name(DAY))
    corrected = [ROWS[0], ("RELIANCE", "EQ", "1380.00", "1395.00", "1370.00", "1392.00", "2100")]
    result = lake.ingest_file(udiff_csv(DAY, corrected), udiff_name(DAY))
    assert result.status == "ingested"
    assert result.warnings == ["replaced a day of 3 rows with 2 rows (--replace)"]
    bars = lake.read_daily_bars("NSE", None, date(2025, 9, 10), date(2025, 9, 10))
    assert list(bars["symbol"]) == ["INFY", "RELIANCE"]  # TCS is gone: the day was replaced, not merged
    assert bars.set_index("symbol").loc["RELIANCE", "close"] == 1392.0
    raws = lake.store.list("raw/nse_cm/2025/09/10/")
    assert len(raws) == 2  # the original and the correction both kept
    assert len(lake.store.list("curated/daily_bars/")) == 1


def test_local_store_atomic_put_leaves_no_temp_files(tmp_path) -> None:
    store = LocalObjectStore(tmp_path)
    store.put_atomic("a/b/c.bin", b"1")
    store.put_atomic("a/b/c.bin", b"2")
    assert store.get("a/b/c.bin") == b"2"
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()] == ["c.bin"]
    assert store.list("a/") == ["a/b/c.bin"]
    store.delete("a/b/c.bin")
    assert not store.exists("a/b/c.bin")
    with pytest.raises(KeyError):
        store.get("a/b/c.bin")
    with pytest.raises(ValueError, match="key"):
        store.put("../escape", b"x")


def test_read_daily_bars_has_the_engine_columns_sorted(lake: Lake) -> None:
    lake.ingest_file(udiff_csv("2025-09-11"), udiff_name("2025-09-11"))
    lake.ingest_file(udiff_csv(DAY), udiff_name(DAY))
    bars = lake.read_daily_bars("NSE", ["TCS", "INFY"], date(2025, 9, 1), date(2025, 9, 30))
    assert list(bars.columns) == ["symbol", "ts", "open", "high", "low", "close", "volume"]
    assert list(zip(bars["symbol"], bars["ts"].dt.day, strict=True)) == [
        ("INFY", 10), ("INFY", 11), ("TCS", 10), ("TCS", 11)]
    assert str(bars["ts"].dt.tz) == "Asia/Kolkata" and (bars["ts"].dt.strftime("%H:%M") == "09:15").all()
    assert bars["volume"].dtype == np.int64


def _continuous_series(lake: Lake) -> None:
    """Ingest 8 sessions of ABC with a 1:5 split (ex 2025-09-15) and a 1:1 bonus (ex 2025-09-18)."""
    sessions = [date(2025, 9, d) for d in (9, 10, 11, 12, 15, 16, 17, 18)]
    true_close = 100.0 + np.arange(len(sessions))  # the economic (adjusted) price
    for day, close in zip(sessions, true_close, strict=True):
        ratio = 10 if day < date(2025, 9, 15) else (2 if day < date(2025, 9, 18) else 1)
        c = close * ratio
        row = ("ABC", "EQ", f"{c:.2f}", f"{c + ratio:.2f}", f"{c - ratio:.2f}", f"{c:.2f}",
               str(1000 // ratio))
        lake.ingest_file(udiff_csv(day.isoformat(), [row]), udiff_name(day.isoformat()))
    actions = ("SYMBOL,COMPANY NAME,SERIES,PURPOSE,FACE VALUE,EX-DATE,RECORD DATE,BOOK CLOSURE START DATE,"
               "BOOK CLOSURE END DATE\n"
               "ABC,Abc Ltd,EQ,Face Value Split (Sub-Division) - From Rs 10/- Per Share To Rs 2/- Per Share,"
               "10,15-Sep-2025,15-Sep-2025,-,-\n"
               "ABC,Abc Ltd,EQ,Bonus 1:1,2,18-Sep-2025,18-Sep-2025,-,-\n")
    assert lake.ingest_file(actions.encode(), "CF-CA-equities.csv").status == "ingested"


def test_adjusted_read_is_continuous_across_split_and_bonus(lake: Lake) -> None:
    _continuous_series(lake)
    raw = lake.read_daily_bars("NSE", ["ABC"], date(2025, 9, 1), date(2025, 9, 30))
    adj = lake.read_daily_bars("NSE", ["ABC"], date(2025, 9, 1), date(2025, 9, 30), adjusted=True)
    assert raw["close"].iloc[0] == 1000.0  # stored prices are untouched
    np.testing.assert_allclose(adj["close"].to_numpy(), 100.0 + np.arange(8))
    np.testing.assert_allclose(adj["volume"].to_numpy(), [1000] * 8)
    assert (adj["low"] <= adj["close"]).all() and (adj["close"] <= adj["high"]).all()
    again = lake.read_daily_bars("NSE", ["ABC"], date(2025, 9, 1), date(2025, 9, 30))
    pd.testing.assert_frame_equal(raw, again)


def test_reingesting_corporate_actions_is_unchanged(lake: Lake) -> None:
    _continuous_series(lake)
    keys = lake.store.list("curated/corporate_actions/")
    text = lake.store.get(lake.store.list("raw/nse_corporate_actions/")[0])
    assert lake.ingest_file(text, "CF-CA-equities.csv").status == "unchanged"
    assert lake.store.list("curated/corporate_actions/") == keys


def test_memory_store_lake_behaves_like_local(tmp_path) -> None:
    local, memory = Lake.at(tmp_path), Lake(MemoryObjectStore())
    for lake in (local, memory):
        lake.ingest_file(udiff_csv(DAY), udiff_name(DAY))
    start = date(2025, 9, 10)
    pd.testing.assert_frame_equal(local.read_daily_bars("NSE", None, start, start + timedelta(1)),
                                  memory.read_daily_bars("NSE", None, start, start + timedelta(1)))


def test_bad_range_is_invalid_input(lake: Lake) -> None:
    with pytest.raises(ValueError, match="end"):
        lake.read_daily_bars("NSE", None, date(2025, 9, 10), date(2025, 9, 1))
