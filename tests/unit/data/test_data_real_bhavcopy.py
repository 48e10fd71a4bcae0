"""Real NSE bhavcopies (shared data, reshaped) converted to the official layouts inside the test."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds
import pytest
from tests.unit.data.official_layouts import (
    legacy_name,
    read_reshaped,
    reshaped_dir,
    to_legacy_bytes,
    to_udiff_bytes,
    udiff_name,
)

from vyapari.data.lake import Lake
from vyapari.data.parsers import parse

pytestmark = pytest.mark.skipif(
    not reshaped_dir().is_dir(),
    reason="real data folder ../shared/data/nse_bhavcopy_reshaped is absent (see the shared data README)",
)

# a regular day with T0 rows breaking OHLC sanity, the Muhurat session, the Sunday budget session
FILES = ("01092025.csv", "21102025.csv", "01022026.csv", "02022026.csv")


def _source(name: str):
    return read_reshaped(reshaped_dir() / name)


@pytest.mark.parametrize("name", FILES)
def test_both_official_layouts_parse_to_the_same_rows(name: str) -> None:
    src = _source(name)
    legacy = parse(to_legacy_bytes(src), legacy_name(src)).frame
    udiff = parse(to_udiff_bytes(src), udiff_name(src)).frame
    assert len(legacy) == len(udiff) == len(src)
    cols = ["symbol", "series", "open", "high", "low", "close", "volume", "turnover_inr", "trades"]
    assert legacy[cols].equals(udiff[cols])
    expected_turnover = src["TOTTRDVAL"].to_numpy(dtype=float)
    assert np.allclose(legacy["turnover_inr"].to_numpy(), expected_turnover)


@pytest.mark.parametrize("name", FILES)
def test_real_file_is_ingested_and_every_dropped_row_is_explained(lake: Lake, name: str) -> None:
    src = _source(name)
    result = lake.ingest_file(to_udiff_bytes(src), udiff_name(src))
    assert result.status == "ingested", result.message
    body = src[["OPEN", "CLOSE"]]
    bad = (src["LOW"] > body.min(axis=1)) | (src["HIGH"] < body.max(axis=1))
    assert result.dropped == int(bad.sum())
    assert result.rows == len(src) - int(bad.sum())
    report = json.loads(lake.store.get(result.report_key or ""))
    reported = {(r["symbol"], r["series"]) for r in report["dropped_rows"]}
    assert reported == set(zip(src.loc[bad, "SYMBOL"], src.loc[bad, "SERIES"], strict=True))
    assert all(r["problem"] == "ohlc_inconsistent" for r in report["dropped_rows"])


def test_real_daily_bars_read_back_with_the_source_values(lake: Lake) -> None:
    for name in FILES:
        src = _source(name)
        lake.ingest_file(to_legacy_bytes(src), legacy_name(src))
    bars = lake.read_daily_bars("NSE", ["RELIANCE", "INFY"], date(2025, 9, 1), date(2026, 2, 2))
    assert list(bars["symbol"].unique()) == ["INFY", "RELIANCE"]
    assert len(bars) == 2 * len(FILES)
    sunday = bars[(bars["symbol"] == "RELIANCE") & (bars["ts"].dt.date == date(2026, 2, 1))].iloc[0]
    src = _source("01022026.csv").set_index(["SYMBOL", "SERIES"]).loc[("RELIANCE", "EQ")]
    expected = (src["OPEN"], src["CLOSE"], src["TOTTRDQTY"])
    assert (sunday["open"], sunday["close"], sunday["volume"]) == expected
    assert sunday["ts"].isoformat() == "2026-02-01T09:15:00+05:30"


def test_curated_lake_is_readable_by_pyarrow_dataset_with_hive_partitions(tmp_path: Path) -> None:
    lake = Lake.at(tmp_path)
    for name in FILES[:2]:
        src = _source(name)
        lake.ingest_file(to_udiff_bytes(src), udiff_name(src))
    dataset = ds.dataset(tmp_path / "curated" / "daily_bars", format="parquet", partitioning="hive")
    table = dataset.to_table(filter=(ds.field("exchange") == "NSE") & (ds.field("year") == 2025))
    assert table.num_rows > 5000
    expected = {"session_date", "symbol", "series", "open", "turnover_inr", "exchange", "year"}
    assert expected <= set(table.column_names)
