"""A user's own bar files through the real ``vyapari ingest``: CSV/Parquet, labels, checks, resume."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from official_layouts import shared_data_dir

from vyapari.cli.main import main
from vyapari.core.time import IST
from vyapari.data.bar_sessions import coverage, expected_minutes
from vyapari.data.lake import Lake
from vyapari.data.minute_store import read_minute_months
from vyapari.data.sample import generate_sample

DAY = date(2025, 10, 24)  # a Friday session
NIFTY_DIR = Path(os.environ.get("VYAPARI_SHARED_DATA") or shared_data_dir()) / "nifty_banknifty_1min"


def _ingest(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(["ingest", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def _report(lake: Path, name: str) -> dict[str, Any]:
    found = sorted(lake.glob(f"reports/user_bars/*/*/*/{name}.json"))
    return json.loads(found[-1].read_text())


def _grid(day: date) -> pd.DatetimeIndex:
    from vyapari.market.calendar import get_calendar

    return get_calendar("NSE").minute_grid(day)


def _bars(day: date, n: int = 375, base: float = 100.0) -> pd.DataFrame:
    grid = _grid(day)[:n]
    price = [base + i * 0.05 for i in range(n)]
    return pd.DataFrame({"ts": grid, "open": price, "high": [p + 0.1 for p in price],
                         "low": [p - 0.1 for p in price], "close": price, "volume": 10})


def test_the_whole_sample_folder_ingests_as_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = tmp_path / "sample"
    generate_sample(sample, sessions=3, end=DAY, seed=1)
    code, results = _ingest(capsys, str(sample), "--lake", str(tmp_path / "lake"), "--workers", "1")
    assert code == 0
    assert {r["status"] for r in results} == {"ingested", "unchanged"}  # legacy repeats the UDiFF day
    assert not any(str(r["name"]).startswith(("kite_", "upstox_")) for r in results)  # dumps skipped
    minute = [r for r in results if r["dataset"] == "minute_bars"]
    assert len(minute) == 50 and all(r["dropped"] == 0 for r in minute)
    lake = Lake.at(tmp_path / "lake")
    stored = lake.read_minute_bars("NSE", "INFY", date(2025, 10, 1), DAY)
    written = pd.read_parquet(sample / "minute" / "INFY.parquet")
    assert stored["ts"].tolist() == written["ts"].tolist()
    assert stored["close"].tolist() == written["close"].tolist()
    assert {r["dataset"] for r in results} >= {"daily_bars", "fo_daily", "corporate_actions", "minute_bars"}


def test_csv_timestamps_in_every_accepted_form_give_the_same_bars(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bars = _bars(DAY, 5)
    folder = tmp_path / "in" / "nested"
    folder.mkdir(parents=True)
    forms = {
        "AAA.csv": bars.assign(ts=bars["ts"].map(lambda t: t.isoformat())),  # ISO with offset
        "BBB.csv": bars.assign(ts=bars["ts"].dt.tz_localize(None).astype(str)),  # naive = IST
        "CCC.csv": bars.assign(ts=bars["ts"].map(lambda t: int(t.timestamp() * 1000))),  # epoch ms
    }
    for name, frame in forms.items():
        frame.to_csv(folder / name, index=False)
    with_symbol = bars.assign(ts=bars["ts"].dt.tz_convert("UTC").map(lambda t: t.isoformat()), symbol="DDD")
    with_symbol.to_parquet(folder / "whatever.parquet")
    code, results = _ingest(capsys, str(tmp_path / "in"), "--lake", str(tmp_path / "lake"))
    assert code == 0 and [r["status"] for r in results] == ["ingested"] * 4
    lake = Lake.at(tmp_path / "lake")
    for symbol in ("AAA", "BBB", "CCC", "DDD"):
        got = lake.read_minute_bars("NSE", symbol, DAY, DAY)
        assert got["ts"].tolist() == bars["ts"].tolist(), symbol
        assert got["open"].tolist() == bars["open"].tolist()


def test_end_labels_bad_rows_and_duplicates_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bars = _bars(DAY, 200)  # 5 bad rows stay under the 5 % that rejects a whole file
    end = bars.assign(ts=bars["ts"] + pd.Timedelta(minutes=1))  # a vendor labelling by the end minute
    pre_open = end.iloc[[0]].assign(ts=pd.Timestamp(datetime(2025, 10, 24, 9, 8), tz=IST))
    broken = end.iloc[[3]].assign(high=end["low"].iloc[3] - 1)  # high below low
    repeat = end.iloc[[5]]
    clash = end.iloc[[7]].assign(close=end["close"].iloc[7] + 0.05)
    frame = pd.concat([pre_open, end, broken, repeat, clash], ignore_index=True)
    frame.insert(0, "symbol", "XYZ")
    frame.to_csv(tmp_path / "vendor.csv", index=False)
    code, results = _ingest(capsys, str(tmp_path / "vendor.csv"), "--label", "end",
                            "--lake", str(tmp_path / "lake"))
    assert code == 0 and results[0]["status"] == "ingested"
    report = _report(tmp_path / "lake", "vendor.csv")
    problems = sorted((d["line"], d["problem"]) for d in report["dropped_rows"])
    assert problems == [(2, "bad_date"), (10, "conflicting_duplicate"), (203, "ohlc_inconsistent"),
                        (204, "duplicate_row"), (205, "conflicting_duplicate")]
    assert "outside_session" in report["dropped_rows"][0]["detail"]
    stored = Lake.at(tmp_path / "lake").read_minute_bars("NSE", "XYZ", DAY, DAY)
    expected = [t for i, t in enumerate(bars["ts"]) if i != 7]  # 09:22 had two different bars
    assert stored["ts"].tolist() == expected


def test_reingest_is_unchanged_and_a_changed_day_is_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = _bars(date(2025, 10, 23), 20), _bars(DAY, 20)
    path = tmp_path / "ABC.csv"
    pd.concat([first, second]).to_csv(path, index=False)
    lake = str(tmp_path / "lake")
    assert _ingest(capsys, str(path), "--lake", lake)[1][0]["status"] == "ingested"
    assert _ingest(capsys, str(path), "--lake", lake)[1][0]["status"] == "unchanged"
    pd.concat([first, second.assign(close=second["close"] + 0.05, high=second["high"] + 0.05)]).to_csv(
        path, index=False)
    result = _ingest(capsys, str(path), "--lake", lake)[1][0]
    assert result["status"] == "ingested"
    assert _report(tmp_path / "lake", "ABC.csv")["sessions"]["ABC"] == {
        "added": 0, "replaced": 1, "unchanged": 1, "replaced_dates": [DAY.isoformat()]}


def test_daily_bar_files_join_the_daily_bars(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vyapari.market.calendar import get_calendar

    days = [s.session_date for s in get_calendar("NSE").sessions_before(date(2025, 10, 25), 25)]
    days.append(date(2025, 10, 25))  # a Saturday: not a session, dropped and named
    n = len(days)
    close = [10.5 + i for i in range(n)]
    frame = pd.DataFrame({"date": [d.isoformat() for d in days], "open": [10.0] * n,
                          "high": [c + 1 for c in close], "low": [9.0] * n, "close": close,
                          "volume": [100] * n})
    frame.to_csv(tmp_path / "MYSTOCK.csv", index=False)
    code, results = _ingest(capsys, str(tmp_path / "MYSTOCK.csv"), "--lake", str(tmp_path / "lake"))
    assert code == 0 and results[0]["dataset"] == "daily_bars" and results[0]["dropped"] == 1
    bars = Lake.at(tmp_path / "lake").read_daily_bars("NSE", ["MYSTOCK"], date(2025, 9, 1), DAY)
    assert bars["close"].tolist() == frame["close"].tolist()[:-1]
    assert [t.date() for t in bars["ts"]] == days[:-1]


def test_a_file_without_usable_bars_is_rejected_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.csv").write_text("ts,open,high,low,close,volume\nnot-a-time,1,1,1,1,1\n")
    code, results = _ingest(capsys, str(tmp_path / "bad.csv"), "--lake", str(tmp_path / "lake"))
    assert code == 1 and results[0]["reason"] == "no_rows"
    assert "timestamp" in str(results[0]["message"])


@pytest.mark.skipif(not NIFTY_DIR.is_dir(), reason="the shared real data (nifty_banknifty_1min) is absent")
def test_real_end_labelled_nifty_minutes_give_the_calendar_s_bars(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = NIFTY_DIR / "2021_FEB_NIFTY.txt"
    code, results = _ingest(capsys, str(source), "--label", "end", "--lake", str(tmp_path / "lake"))
    assert code == 0 and results[0]["format"] == "bars_vendor_csv"
    bars = read_minute_months(Lake.at(tmp_path / "lake").store, "NSE", "NIFTY", date(2021, 2, 1),
                              date(2021, 2, 28))
    expected = expected_minutes("NSE", date(2021, 2, 1), date(2021, 2, 28))
    cover = coverage(bars, "NIFTY", expected)
    assert cover.absent == [] and cover.sessions == 20
    # every session complete but the 24-Feb outage day (trading resumed 15:45, the vendor has gaps)
    assert list(cover.partial) == ["2021-02-24"] and cover.complete == 19
    vendor = pd.read_csv(source, header=None, dtype={1: str})
    day = vendor[vendor[1] == "20210201"]
    first_regular = day[day[2] == "09:16"].iloc[0]  # the vendor's 09:16 bar covers 09:15-09:16
    stored = bars[bars["ts"].dt.date == date(2021, 2, 1)]
    assert stored["ts"].iloc[0].strftime("%H:%M") == "09:15"
    assert stored["open"].iloc[0] == first_regular[3] and stored["close"].iloc[0] == first_regular[6]
    assert stored["ts"].iloc[-1].strftime("%H:%M") == "15:29"
    dropped = _report(tmp_path / "lake", source.name)["dropped_rows"]
    pre_open = [d for d in dropped if " 09:0" in d["detail"] and "outside_session" in d["detail"]]
    assert len(pre_open) == int((vendor[2] < "09:15").sum()) >= 19  # a 09:08/09:09 bar most days, named
    assert len(bars) == results[0]["rows"] == len(vendor) - len(dropped)
