"""Guards of the lake: conditional raw copies, temporaries swept, future dates, shrinking days,
symbols where they enter and CSV cells where they leave."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from tests.unit.data.data_builders import ROWS, many_rows, udiff_csv, udiff_name

from vyapari.core.errors import DataError, InvalidInput
from vyapari.core.symbols import check_symbol, csv_safe, is_symbol
from vyapari.data import layout
from vyapari.data.day_state import read_state
from vyapari.data.ingest import Ingester
from vyapari.data.lake import Lake
from vyapari.data.raw_copy import keep_raw
from vyapari.data.storage import LocalObjectStore, MemoryObjectStore, put_if_absent
from vyapari.market.lots import LotSizeRow, LotSizeTable
from vyapari.workflows.aggregate import aggregate_run

DAY = "2025-09-10"


@pytest.mark.parametrize("store_kind", ["local", "memory"])
def test_put_if_absent_never_overwrites(tmp_path: Path, store_kind: str) -> None:
    store = LocalObjectStore(tmp_path) if store_kind == "local" else MemoryObjectStore()
    assert put_if_absent(store, "raw/a/x.csv", b"first") is True
    assert put_if_absent(store, "raw/a/x.csv", b"second") is False
    assert store.get("raw/a/x.csv") == b"first"
    assert store.list("raw/") == ["raw/a/x.csv"]  # no temporary left behind


def test_keep_raw_keeps_a_different_same_named_file_beside_the_first(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    first = keep_raw(store, b"one", "nse_cm", date(2025, 9, 10), "f.csv")
    second = keep_raw(store, b"two", "nse_cm", date(2025, 9, 10), "f.csv")
    again = keep_raw(store, b"two", "nse_cm", date(2025, 9, 10), "f.csv")
    assert first.key == "raw/nse_cm/2025/09/10/f.csv" and second.key != first.key
    assert second == again and store.get(first.key) == b"one" and store.get(second.key) == b"two"


def test_sweep_removes_temporaries_of_dead_writers_only(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    store.put("curated/x/a.parquet", b"data")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    orphan = tmp_path / "curated" / "x" / f".tmp-{dead.stdout.strip()}-abc"
    live = tmp_path / "curated" / "x" / f".tmp-{os.getppid()}-def"  # our parent: alive
    orphan.write_bytes(b"half")
    live.write_bytes(b"in flight")
    assert store.sweep_temporaries() == [f"curated/x/{orphan.name}"]
    assert not orphan.exists() and live.exists()
    assert store.list("curated/") == ["curated/x/a.parquet"]


def test_lake_sweeps_before_ingesting(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    folder = tmp_path / "curated" / "daily_bars" / "exchange=NSE" / "year=2025"
    folder.mkdir(parents=True)
    (folder / f".tmp-{dead}-xyz").write_bytes(b"half a parquet")
    assert Lake.at(tmp_path).ingest_file(udiff_csv(DAY), udiff_name(DAY)).status == "ingested"
    assert list(tmp_path.rglob(".tmp-*")) == []


def test_future_session_date_is_rejected_by_name() -> None:
    store = MemoryObjectStore()
    ingester = Ingester(store, today=lambda: date(2025, 9, 9))
    result = ingester.ingest(udiff_csv(DAY), udiff_name(DAY))
    assert (result.status, result.reason) == ("rejected", "future_date")
    assert "after today (2025-09-09, IST)" in (result.message or "")
    assert store.list("curated/") == []
    assert Ingester(store, today=lambda: date(2025, 9, 10)).ingest(udiff_csv(DAY), udiff_name(DAY)).status \
        == "ingested"


def test_a_much_shorter_file_does_not_replace_the_day(lake: Lake) -> None:
    full = udiff_csv(DAY, many_rows())
    assert lake.ingest_file(full, udiff_name(DAY)).status == "ingested"
    before = lake.read_daily_table("NSE", date(2025, 9, 10), date(2025, 9, 10))
    cut = b"\n".join(full.split(b"\n")[:22]) + b"\n"  # 21 of 43 rows, cut at a row boundary
    result = lake.ingest_file(cut, udiff_name(DAY))
    assert (result.status, result.reason) == ("rejected", "fewer_rows")
    message = result.message or ""
    assert "21 rows would replace the 43 rows" in message and "--replace" in message
    pd.testing.assert_frame_equal(lake.read_daily_table("NSE", date(2025, 9, 10), date(2025, 9, 10)), before)
    state = read_state(lake.store, layout.state_key("daily_bars", "NSE", date(2025, 9, 10)))
    assert state is not None and state.rows == 43 and state.committed


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vyapari.cli.main", "ingest", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_cli_replace_flag_replaces_a_shorter_day_and_says_so(tmp_path: Path) -> None:
    full, cut = tmp_path / "full" / udiff_name(DAY), tmp_path / "cut" / udiff_name(DAY)
    for path, rows in ((full, many_rows()), (cut, many_rows()[:20])):
        path.parent.mkdir()
        path.write_bytes(udiff_csv(DAY, rows))
    lake = str(tmp_path / "lake")
    assert _cli(str(full), "--lake", lake).returncode == 0
    refused = _cli(str(cut), "--lake", lake)
    assert refused.returncode == 1 and "fewer_rows: " in refused.stdout and "20 rows would replace the 43" \
        in refused.stdout
    replaced = _cli(str(cut), "--lake", lake, "--replace", "--json")
    assert replaced.returncode == 0, replaced.stderr
    (result,) = json.loads(replaced.stdout)
    assert result["status"] == "ingested" and result["rows"] == 20
    assert result["warnings"] == ["replaced a day of 43 rows with 20 rows (--replace)"]
    assert len(Lake.at(lake).read_daily_table("NSE", date(2025, 9, 10), date(2025, 9, 10))) == 20


@pytest.mark.parametrize("symbol", ["M&M", "BAJAJ-AUTO", "NIFTYNXT50", "500325", "1018GS2026", "ABC_DEF"])
def test_real_symbol_shapes_are_symbols(symbol: str) -> None:
    assert is_symbol(symbol) and check_symbol(symbol) == symbol


@pytest.mark.parametrize("symbol", ["=HYPERLINK(\"http://x\")", "../../etc", "+1", "-1", "@A1", "infy", "",
                                    "TATA MOTORS", "A/B", "X" * 33, "ZÉEL", "A\nB", None])
def test_other_text_is_refused_as_a_symbol_by_name(symbol: object) -> None:
    with pytest.raises(InvalidInput, match="is not an exchange symbol"):
        check_symbol(symbol)


def test_minute_bars_refuse_a_bad_symbol_where_it_enters(lake: Lake) -> None:
    bars = pd.DataFrame({"ts": pd.to_datetime(["2025-09-10 09:15"]).tz_localize("Asia/Kolkata"),
                         "open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0], "volume": [1]})
    with pytest.raises(InvalidInput, match=re.escape("symbol: '../../etc' is not an exchange symbol")):
        lake.write_minute_bars("NSE", "../../etc", bars)
    assert lake.store.list("curated/") == []
    assert lake.write_minute_bars("NSE", "M&M", bars) == 1


def test_csv_cells_never_start_a_formula() -> None:
    assert [csv_safe(v) for v in ("=1+2", "+1", "-1", "@SUM(A1)", "\t=x", "M&M", 3, -1.5)] == \
        ["'=1+2", "'+1", "'-1", "'@SUM(A1)", "'\t=x", "M&M", 3, -1.5]


def test_ranking_and_lot_size_csvs_are_formula_safe() -> None:
    store = MemoryObjectStore()
    item = {"item_id": "=cmd|' /C calc'!A0", "params": {}, "symbols": ["=HYPERLINK(1)"]}
    store.put("runs/r/i1/item.json", json.dumps(item).encode())
    aggregate_run(store, "r")
    rows = list(csv.DictReader(io.StringIO(store.get("runs/r/ranking.csv").decode())))
    assert rows[0]["item_id"] == "'=cmd|' /C calc'!A0" and rows[0]["symbols"] == "'=HYPERLINK(1)"
    table = LotSizeTable([LotSizeRow("NIFTY", 75, date(2025, 1, 1), "@src")])
    (row,) = list(csv.reader(io.StringIO(table.to_csv())))[1:]
    assert row == ["NIFTY", "75", "2025-01-01", "'@src"]
    with pytest.raises(InvalidInput, match=re.escape("underlying: '=EVIL()' is not an exchange symbol")):
        LotSizeRow("=evil()", 75, date(2025, 1, 1))


def test_rows_with_bad_symbols_never_reach_curated(lake: Lake) -> None:
    rows = [*ROWS, *many_rows()[3:], ("=HYPERLINK(A1)", "EQ", "1", "1", "1", "1", "1")]
    result = lake.ingest_file(udiff_csv(DAY, rows), udiff_name(DAY))
    assert result.status == "ingested" and result.dropped == 1
    symbols = lake.read_daily_table("NSE", date(2025, 9, 10), date(2025, 9, 10))["symbol"]
    assert "=HYPERLINK(A1)" not in set(symbols) and all(is_symbol(s) for s in symbols)


@pytest.mark.parametrize(("column", "value", "problem"), [
    ("close", float("inf"), "price out of range"), ("high", 1e308, "price out of range"),
    ("low", -1.0, "price out of range"), ("volume", 1e25, "volume out of range"),
    ("volume", -5, "volume out of range"), ("volume", float("nan"), "volume out of range")])
def test_minute_bars_with_bad_values_never_reach_curated(lake: Lake, column: str, value: float,
                                                         problem: str) -> None:
    ts = pd.date_range("2025-09-10 09:15", periods=3, freq="1min", tz="Asia/Kolkata")
    bars = pd.DataFrame({"ts": ts, "open": 10.0, "high": 11.0, "low": 9.0, "close": 10.5, "volume": 100.0})
    bars.loc[1, column] = value
    with pytest.raises(DataError, match=f"{problem} .* at 2025-09-10T09:16:00\\+05:30"):
        lake.write_minute_bars("NSE", "INFY", bars)
    assert lake.store.list("curated/") == []
