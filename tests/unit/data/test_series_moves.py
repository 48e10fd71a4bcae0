"""Series changes: a scrip moving between EQ and BE/BZ is followed on request and reported otherwise.

Real bhavcopies: VISAKAIND traded in BE until 2025-10-03 and in EQ from 2025-10-06."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from tests.unit.data.official_layouts import reshaped_dir
from tests.unit.data.real_lake import build_real_lake, real_days

from vyapari.cli.main import main
from vyapari.data.lake import Lake
from vyapari.data.storage import LocalObjectStore

pytestmark = pytest.mark.skipif(
    not reshaped_dir().is_dir(),
    reason="real data folder ../shared/data/nse_bhavcopy_reshaped is absent (see the shared data README)",
)

START, END = date(2025, 9, 22), date(2025, 10, 17)
MOVE = date(2025, 10, 6)  # first EQ session of VISAKAIND


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    return build_real_lake(tmp_path_factory.mktemp("lake"), real_days(START, END))


def _root(lake: Lake) -> Path:
    """The folder of a lake on a local folder store."""
    assert isinstance(lake.store, LocalObjectStore)
    return lake.store.root


def _source_series(day: date) -> str:
    frame = pd.read_csv(reshaped_dir() / f"{day:%d%m%Y}.csv", dtype=str, keep_default_na=False)
    rows = frame[(frame["SYMBOL"] == "VISAKAIND") & frame["SERIES"].isin(["EQ", "BE", "BZ"])]
    assert len(rows) == 1
    return str(rows["SERIES"].iloc[0])


def test_an_eq_read_leaves_the_be_sessions_out_and_lists_them(lake: Lake) -> None:
    days = real_days(START, END)
    eq = lake.read_daily_bars("NSE", ["VISAKAIND"], START, END)
    assert [t.date() for t in eq["ts"]] == [d for d in days if d >= MOVE]
    moves = lake.series_moves("NSE", ["VISAKAIND"], START, END)
    before = [d for d in days if d < MOVE]
    assert moves == [{"symbol": "VISAKAIND", "series": "BE", "first": before[0].isoformat(),
                      "last": before[-1].isoformat(), "sessions": len(before)}]


def test_follow_series_reads_across_be_and_eq(lake: Lake) -> None:
    days = real_days(START, END)
    bars = lake.read_daily_bars("NSE", ["VISAKAIND"], START, END, follow_series=True)
    assert [t.date() for t in bars["ts"]] == days
    assert bars["series"].tolist() == [_source_series(d) for d in days]
    assert set(bars["series"]) == {"BE", "EQ"}
    assert (bars["symbol"] == "VISAKAIND").all()


def test_bars_cli_follows_series_and_warns_without_the_flag(lake: Lake, capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    root = str(_root(lake))
    base = ["bars", "--lake", root, "--symbol", "VISAKAIND", "--from", START.isoformat(), "--to",
            END.isoformat(), "--json"]
    assert main(base) == 0
    captured = capsys.readouterr()
    assert "VISAKAIND traded in series BE" in captured.err and "--follow-series" in captured.err
    assert main([*base, "--follow-series"]) == 0
    captured = capsys.readouterr()
    records = json.loads(captured.out)
    assert len(records) == len(real_days(START, END)) and records[0]["series"] == "BE"
    assert "warning" not in captured.err


def test_backtest_cli_reports_the_move_and_follows_it_on_request(
        lake: Lake, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(_root(lake))
    base = ["backtest", "--strategy", "sma_cross", "--params", '{"fast": 2, "slow": 4}', "--lake", root,
            "--interval", "1d", "--symbols", "VISAKAIND,RELIANCE", "--start", START.isoformat(),
            "--end", END.isoformat(), "--json"]
    assert main(base) == 0
    captured = capsys.readouterr()
    assert "VISAKAIND traded in series BE" in captured.err
    eq_bars = json.loads(captured.out)["bars"]
    assert main([*base, "--follow-series"]) == 0
    captured = capsys.readouterr()
    followed = json.loads(captured.out)["bars"]
    assert followed - eq_bars == len([d for d in real_days(START, END) if d < MOVE])
    assert "series BE" not in captured.err


def test_follow_series_matches_by_isin_across_a_rename_and_a_series_move(tmp_path: Path) -> None:
    """The UDiFF files carry ISINs: a scrip renamed while moving to BE is still followed."""
    from tests.unit.data.official_layouts import read_reshaped, to_udiff_bytes, udiff_name

    days = real_days(START, END)[:4]
    lake = Lake.at(tmp_path)
    for i, day in enumerate(days):
        frame = read_reshaped(reshaped_dir() / f"{day:%d%m%Y}.csv")
        frame = frame[frame["SYMBOL"].isin(["RELIANCE", "INFY"]) & (frame["SERIES"] == "EQ")].copy()
        frame["ISIN"] = frame["SYMBOL"].map({"RELIANCE": "INE002A01018", "INFY": "INE009A01021"})
        if i >= 2:  # INFY renamed to INFOSYS and moved to BE from the third session
            infy = frame["SYMBOL"] == "INFY"
            frame.loc[infy, "SYMBOL"], frame.loc[infy, "SERIES"] = "INFOSYS", "BE"
        assert lake.ingest_file(to_udiff_bytes(frame), udiff_name(frame)).status == "ingested"
    bars = lake.read_daily_bars("NSE", ["INFY"], days[0], days[-1], follow_series=True)
    assert [t.date() for t in bars["ts"]] == days
    assert bars["series"].tolist() == ["EQ", "EQ", "BE", "BE"] and (bars["symbol"] == "INFY").all()
    assert len(lake.read_daily_bars("NSE", ["INFY"], days[0], days[-1])) == 2
