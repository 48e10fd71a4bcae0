"""The synthetic sample: seeded and byte-identical, consistent daily/minute data, ingestible."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vyapari.data.lake import Lake
from vyapari.data.sample import generate_sample
from vyapari.data.sample_universe import NIFTY50, SENSEX

END = date(2025, 10, 24)


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate_sample(out, sessions=12, end=END, seed=3)
    return out


def test_sample_reruns_are_byte_identical(sample: Path, tmp_path: Path) -> None:
    generate_sample(tmp_path, sessions=12, end=END, seed=3)
    assert _digest(tmp_path) == _digest(sample)
    generate_sample(tmp_path / "other", sessions=12, end=END, seed=4)
    assert _digest(tmp_path / "other") != _digest(sample)


def test_sample_uses_the_real_calendar(sample: Path) -> None:
    names = sorted(p.name for p in (sample / "nse_udiff").iterdir())
    assert len(names) == 12
    assert "BhavCopy_NSE_CM_0_0_0_20251021_F_0000.csv" in names  # Muhurat session
    assert "BhavCopy_NSE_CM_0_0_0_20251022_F_0000.csv" not in names  # Balipratipada holiday
    assert len(list((sample / "nse_legacy").iterdir())) == 12
    assert len(list((sample / "bse_udiff").iterdir())) == 12
    assert sorted(p.stem for p in (sample / "minute").iterdir()) == sorted(NIFTY50)


def test_daily_bars_equal_the_aggregate_of_the_minute_bars(sample: Path) -> None:
    daily = pd.read_csv(sample / "nse_udiff" / "BhavCopy_NSE_CM_0_0_0_20251021_F_0000.csv")
    for symbol in ("RELIANCE", "M&M", "MARUTI"):
        minute = pd.read_parquet(sample / "minute" / f"{symbol}.parquet")
        assert str(minute["ts"].dt.tz) == "Asia/Kolkata"
        day = minute[minute["ts"].dt.date == date(2025, 10, 21)]
        assert day["ts"].iloc[0].strftime("%H:%M") == "13:45"  # the Muhurat session's open
        row = daily[daily["TckrSymb"] == symbol].iloc[0]
        assert row["OpnPric"] == day["open"].iloc[0] and row["ClsPric"] == day["close"].iloc[-1]
        assert row["HghPric"] == day["high"].max() and row["LwPric"] == day["low"].min()
        assert row["TtlTradgVol"] == day["volume"].sum()


def test_prices_are_on_the_tick_grid_and_bars_are_sane(sample: Path) -> None:
    minute = pd.read_parquet(sample / "minute" / "TATASTEEL.parquet")
    paise = minute[["open", "high", "low", "close"]].to_numpy() * 100
    assert np.allclose(paise / 5, np.round(paise / 5))
    assert (minute["low"] <= minute[["open", "close"]].min(axis=1)).all()
    assert (minute["high"] >= minute[["open", "close"]].max(axis=1)).all()
    assert minute["ts"].is_monotonic_increasing and not minute["ts"].duplicated().any()


def test_sample_ingests_cleanly_and_adjusts_continuously(sample: Path, tmp_path: Path) -> None:
    lake = Lake.at(tmp_path)
    files = [p for sub in ("nse_udiff", "nse_legacy", "bse_udiff", "corporate_actions")
             for p in sorted((sample / sub).iterdir())]
    results = [lake.ingest_file(p) for p in files]
    assert {r.status for r in results} == {"ingested", "unchanged"}
    assert sum(r.dropped for r in results) == 0
    actions = pd.read_csv(sample / "corporate_actions" / "CF-CA-equities.csv")
    assert actions["PURPOSE"].str.contains("Split").any() and actions["PURPOSE"].str.startswith("Bonus").any()
    start, end = date(2025, 1, 1), END
    bse = lake.read_daily_bars("BSE", None, start, end)
    assert sorted(bse["symbol"].unique()) == sorted(SENSEX)
    for symbol in ("MARUTI", "HDFCBANK"):
        raw = lake.read_daily_bars("NSE", [symbol], start, end)
        adj = lake.read_daily_bars("NSE", [symbol], start, end, adjusted=True)
        assert np.abs(np.diff(np.log(raw["close"]))).max() > 0.5  # the raw series jumps
        assert np.abs(np.diff(np.log(adj["close"]))).max() < 0.15  # the adjusted one does not


def test_sample_fo_bhavcopies_ingest_and_read_as_fo_daily(sample: Path, tmp_path: Path) -> None:
    lake = Lake.at(tmp_path)
    files = sorted((sample / "nse_fo_udiff").iterdir())
    assert len(files) == 12
    results = [lake.ingest_file(p) for p in files]
    assert [(r.status, r.dataset, r.exchange, r.dropped) for r in results] == [
        ("ingested", "fo_daily", "NFO", 0)] * 12
    table = lake.read_daily_table("NFO", date(2025, 1, 1), END, dataset="fo_daily")
    last = table[table["session_date"] == END]
    futures = last[last["instrument_type"] == "FUTSTK"]
    assert sorted(futures["symbol"]) == sorted(NIFTY50)
    options = last[last["instrument_type"] == "OPTIDX"]
    assert sorted(set(options["option_type"])) == ["CE", "PE"] and len(options) == 10
    cash = lake.read_daily_bars("NSE", None, END, END)  # nothing ingested: futures stand alone
    assert cash.empty
    assert (last["expiry"] >= END).all() and (last["lot_size"] > 0).all()


@pytest.mark.parametrize(("broker", "name"), [("zerodha", "kite_instruments.csv"),
                                              ("upstox", "upstox_instruments.json")])
def test_sample_instrument_dumps_publish_and_look_up(sample: Path, tmp_path: Path, broker: str,
                                                      name: str) -> None:
    from vyapari.data.storage import LocalObjectStore
    from vyapari.instruments import InstrumentMaster, InstrumentSnapshots

    snapshots = InstrumentSnapshots(LocalObjectStore(tmp_path))
    result = snapshots.publish(broker, END, (sample / "instruments" / name).read_bytes(), name)
    assert result.ok, result.to_dict()
    master = InstrumentMaster(snapshots, broker)
    assert master.lot_size("NSE:RELIANCE", END).fallback is False
    future = master.record("NFO:NIFTY25OCTFUT", END)
    assert future is not None and future.value.expiry == date(2025, 10, 28)
    assert master.lot_size("NFO:NIFTY25OCTFUT", END).value == 75
