"""Minute bars from ticks (labelled by start, sessions only), resampling, vendor relabelling, tick store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.data.official_layouts import shared_data_dir

from vyapari.core.errors import DataError
from vyapari.data.lake import Lake
from vyapari.data.minute_bars import build_minute_bars, end_to_start, parse_interval, resample_bars
from vyapari.data.storage import MemoryObjectStore
from vyapari.data.tickstore import ParquetTickStore

IST = "Asia/Kolkata"


def _ticks(rows: list[tuple[str, float, int]]) -> pd.DataFrame:
    return pd.DataFrame({"ts": pd.to_datetime([r[0] for r in rows], format="ISO8601").tz_localize(IST),
                         "price": [r[1] for r in rows], "qty": [r[2] for r in rows]})


def test_ticks_make_start_labelled_bars_inside_the_session_only() -> None:
    ticks = _ticks([
        ("2025-09-10 09:07:30", 99.0, 5),     # pre-open: ignored
        ("2025-09-10 09:15:00", 100.0, 10),
        ("2025-09-10 09:15:59.9", 101.0, 1),
        ("2025-09-10 09:15:20", 98.5, 2),      # out of order on purpose
        ("2025-09-10 09:17:05", 102.0, 3),
        ("2025-09-10 15:30:00", 110.0, 7),     # at the close: outside [open, close)
    ])
    bars = build_minute_bars(ticks, "NSE")
    assert [t.strftime("%H:%M") for t in bars["ts"]] == ["09:15", "09:17"]
    first = bars.iloc[0]
    ohlcv = (first["open"], first["high"], first["low"], first["close"], first["volume"])
    assert ohlcv == (100, 101, 98.5, 101, 13)
    assert str(bars["ts"].dt.tz) == IST


def test_holiday_ticks_make_no_bars() -> None:
    assert build_minute_bars(_ticks([("2025-10-02 10:00:00", 1.0, 1)]), "NSE").empty


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 375 * 60 - 1), st.floats(1, 1e4), st.integers(1, 1000)),
                min_size=1, max_size=300))
def test_tick_bars_match_a_pandas_groupby(rows: list[tuple[int, float, int]]) -> None:
    start = pd.Timestamp("2025-09-10 09:15", tz=IST)
    ticks = pd.DataFrame({"ts": [start + pd.Timedelta(seconds=s) for s, _, _ in rows],
                          "price": [p for _, p, _ in rows], "qty": [q for _, _, q in rows]})
    ticks = ticks.sort_values("ts", kind="stable").reset_index(drop=True)
    bars = build_minute_bars(ticks, "NSE")
    grouped = ticks.groupby(ticks["ts"].dt.floor("min"))
    expected = pd.DataFrame({"open": grouped["price"].first(), "high": grouped["price"].max(),
                             "low": grouped["price"].min(), "close": grouped["price"].last(),
                             "volume": grouped["qty"].sum()})
    np.testing.assert_allclose(bars[["open", "high", "low", "close", "volume"]].to_numpy(float),
                               expected.to_numpy(float))
    assert list(bars["ts"]) == list(expected.index)


def _regular_day(day: str = "2025-09-10") -> pd.DataFrame:
    ts = pd.date_range(f"{day} 09:15", f"{day} 15:29", freq="min", tz=IST)
    close = 100 + np.arange(len(ts)) * 0.05
    return pd.DataFrame({"ts": ts, "open": close - 0.05, "high": close + 0.1, "low": close - 0.1,
                         "close": close, "volume": np.ones(len(ts), dtype=np.int64)})


@pytest.mark.parametrize(("interval", "n_bars", "last_start", "last_volume"),
                         [("3m", 125, "15:27", 3), ("5m", 75, "15:25", 5), ("15m", 25, "15:15", 15),
                          ("30m", 13, "15:15", 15), ("60m", 7, "15:15", 15)])
def test_resampling_is_anchored_on_the_open(interval: str, n_bars: int, last_start: str,
                                           last_volume: int) -> None:
    day = _regular_day()
    bars = resample_bars(day, interval, "NSE")
    assert len(bars) == n_bars
    assert bars["ts"].iloc[0].strftime("%H:%M") == "09:15"
    assert bars["ts"].iloc[-1].strftime("%H:%M") == last_start
    assert bars["volume"].iloc[-1] == last_volume and bars["volume"].sum() == 375
    assert bars["open"].iloc[0] == day["open"].iloc[0] and bars["close"].iloc[-1] == day["close"].iloc[-1]


def test_parse_interval() -> None:
    assert [parse_interval(x) for x in ("1m", "5m", "15min", "1h", "1d")] == [1, 5, 15, 60, 0]
    with pytest.raises(ValueError, match="interval"):
        parse_interval("2w")


def test_vendor_end_labelled_bars_are_relabelled_to_start() -> None:
    path = shared_data_dir() / "nifty_banknifty_1min" / "2021_JAN_NIFTY.txt"
    if not path.is_file():
        pytest.skip("real vendor minute file ../shared/data/nifty_banknifty_1min is absent")
    names = ["sym", "d", "t", "open", "high", "low", "close", "volume", "oi"]
    raw = pd.read_csv(path, header=None, names=names,
                      dtype={"d": str, "t": str})
    raw["ts"] = pd.to_datetime(raw["d"] + " " + raw["t"], format="%Y%m%d %H:%M").dt.tz_localize(IST)
    bars = end_to_start(raw[["ts", "open", "high", "low", "close", "volume"]], minutes=1)
    first_day = bars[bars["ts"].dt.date == bars["ts"].dt.date.iloc[0]]
    clock = first_day["ts"].dt.strftime("%H:%M")
    regular = first_day[(clock >= "09:15") & (clock < "15:30")]
    assert regular["ts"].iloc[0].strftime("%H:%M") == "09:15"  # the vendor's 09:16 bar
    assert regular["ts"].iloc[-1].strftime("%H:%M") == "15:29"  # the vendor's 15:30 bar


def test_lake_minute_bars_round_trip_and_replace_a_session(tmp_path: Path) -> None:
    lake = Lake.at(tmp_path)
    lake.write_minute_bars("NSE", "M&M", pd.concat([_regular_day(), _regular_day("2025-09-11")]))
    fixed = _regular_day("2025-09-11")
    fixed["close"] += 1.0
    fixed["high"] += 1.0
    lake.write_minute_bars("NSE", "M&M", fixed)
    bars = lake.read_minute_bars("NSE", "M&M", date(2025, 9, 10), date(2025, 9, 11))
    assert len(bars) == 750
    assert list(bars.columns) == ["symbol", "ts", "open", "high", "low", "close", "volume"]
    assert bars["close"].iloc[-1] == pytest.approx(fixed["close"].iloc[-1])
    five = lake.read_minute_bars("NSE", "M&M", date(2025, 9, 11), date(2025, 9, 11), interval="5m")
    assert len(five) == 75
    assert lake.minute_symbols("NSE") == ["M&M"]
    assert (tmp_path / "curated" / "minute_bars" / "exchange=NSE" / "symbol=M%26M").is_dir()


def test_lake_rejects_unsorted_minute_bars(tmp_path: Path) -> None:
    day = _regular_day().iloc[::-1]
    with pytest.raises(DataError, match="not sorted at 2025-09-10T15:28"):
        Lake.at(tmp_path).write_minute_bars("NSE", "X", day)


def test_parquet_tick_store_round_trip_and_bars() -> None:
    store = ParquetTickStore(MemoryObjectStore())
    ticks = _ticks([("2025-09-10 09:15:01", 100.0, 1), ("2025-09-10 09:16:02", 101.0, 2),
                    ("2025-09-11 09:15:03", 102.0, 3)])
    assert store.write_ticks("NSE", "ABC", ticks) == 2
    back = store.read_ticks("NSE", "ABC", date(2025, 9, 10), date(2025, 9, 10))
    assert list(back["price"]) == [100.0, 101.0]
    bars = store.minute_bars("NSE", "ABC", date(2025, 9, 10), date(2025, 9, 11))
    assert list(bars["volume"]) == [1, 2, 3]


def test_a_lake_run_without_dates_covers_the_stored_sessions(tmp_path: Path) -> None:
    from vyapari.core.errors import DataError
    from vyapari.strategy.feed import LakeDataFeed

    lake = Lake.at(tmp_path)
    lake.write_minute_bars("NSE", "AAA", pd.concat([_regular_day("2025-09-10"), _regular_day("2025-10-01")]))
    lake.write_minute_bars("NSE", "BBB", _regular_day("2025-09-11"))
    assert lake.minute_session_range("NSE") == (date(2025, 9, 10), date(2025, 10, 1))
    assert lake.minute_session_range("NSE", ["BBB"]) == (date(2025, 9, 11), date(2025, 9, 11))
    frames = LakeDataFeed(tmp_path, symbols=["AAA"]).frames(None, None)
    assert sorted({ts.date() for ts in frames["AAA"]["ts"]}) == [date(2025, 9, 10), date(2025, 10, 1)]
    with pytest.raises(DataError, match="no NSE minute bars of ZZZ"):
        LakeDataFeed(tmp_path, symbols=["ZZZ"]).frames(None, None)
    with pytest.raises(DataError, match="daily bars needs --start and --end"):
        LakeDataFeed(tmp_path, interval="1d").frames(None, None)
