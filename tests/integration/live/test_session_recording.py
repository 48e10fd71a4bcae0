"""Every live session recorded: a paper session writes the minute bars it builds into the lake, and
``vyapari live --replay LAKE`` and ``vyapari backtest --lake LAKE`` on that day give its fills."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.integration.live.live_helpers import write_bar_folder

from vyapari.cli.main import main
from vyapari.data.minute_store import read_minute_months
from vyapari.data.storage import LocalObjectStore
from vyapari.data.tickstore import ParquetTickStore
from vyapari.live.bars import BarSlice
from vyapari.live.recording import SessionRecorder
from vyapari.strategy.synthetic import random_walk_panel

STRATEGY = ["--strategy", "sma_cross_bar", "--params", '{"fast": 5, "slow": 20, "qty": 10}']


@pytest.fixture(autouse=True)
def _no_paper_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith(("PAPER_", "BROKER")):
            monkeypatch.delenv(key)


def _live(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["live", "--broker", "paper", *STRATEGY, "--speed", "max", *args])
    out, err = capsys.readouterr()
    assert code == 0, err[-2000:]
    return dict(json.loads(out[out.index("{"):]))


def _fills(state: Path, day: date) -> list[tuple[str, str, str, int, str]]:
    lines = (state / "fills" / f"{day.isoformat()}.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    return sorted((r["filled_at"], r["instrument_id"], r["side"], r["quantity"], r["price"]) for r in rows)


def test_a_recorded_paper_session_replays_and_backtests_from_the_lake_with_the_same_fills(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    panel = random_walk_panel(symbols=2, sessions=1, bars_per_session=375, seed=5)
    day = panel.timestamps()[0].date()
    (tmp_path / "day").mkdir()
    folder = write_bar_folder(panel, tmp_path / "day")
    lake = tmp_path / "lake"

    session = _live(capsys, "--replay", str(folder), "--lake", str(lake), "--state-dir", str(tmp_path / "s1"))
    assert session["fills"] > 4, "the case must trade to prove anything"

    store = LocalObjectStore(lake)
    for n, symbol in enumerate(panel.symbols):  # the bars it built, in the lake's layout
        bars = read_minute_months(store, "NSE", symbol, day, day)
        assert bars["ts"].tolist() == list(panel.timestamps())
        assert np.allclose(bars["close"], panel.close[:, n]) and np.allclose(bars["high"], panel.high[:, n])
        assert bars["volume"].tolist() == panel.volume[:, n].astype(np.int64).tolist()

    replayed = _live(capsys, "--replay", str(lake), "--date", day.isoformat(),
                     "--state-dir", str(tmp_path / "s2"), "--no-record")
    assert _fills(tmp_path / "s2", day) == _fills(tmp_path / "s1", day)
    assert replayed["pnl_inr"] == pytest.approx(session["pnl_inr"], abs=0.01)

    out = tmp_path / "bt"
    assert main(["backtest", *STRATEGY, "--lake", str(lake), "--start", day.isoformat(), "--end",
                 day.isoformat(), "--out", str(out), "--json"]) == 0
    backtest = json.loads(capsys.readouterr().out)
    trades = pd.read_parquet(out / "trades.parquet")
    theirs = sorted((pd.Timestamp(ts).isoformat(), f"NSE:{s}", side, int(q), f"{p:.2f}")
                    for ts, s, side, q, p in trades[["ts", "symbol", "side", "quantity", "price"]].itertuples(
                        index=False))
    ours = [(ts, iid, side, q, f"{float(p):.2f}") for ts, iid, side, q, p in _fills(tmp_path / "s1", day)]
    assert len(ours) == len(theirs) == session["fills"] == backtest["fills"]
    assert [o[1:] for o in ours] == [t[1:] for t in theirs]
    assert backtest["pnl_inr"] == pytest.approx(session["pnl_inr"], abs=0.01)


def _slice(ts: pd.Timestamp, close: list[float], valid: list[bool]) -> BarSlice:
    c = np.array(close)
    ohlcv = np.stack([c, c + 1, c - 1, c, np.full(len(c), 10.0)])
    ohlcv[:, ~np.array(valid)] = np.nan
    ns = ts.value
    open_ns = pd.Timestamp(f"{ts.date()} 09:15", tz="Asia/Kolkata").value
    return BarSlice(ns, ts.date(), open_ns, open_ns + 375 * 60_000_000_000, ohlcv, np.array(valid))


def test_a_restarted_recording_keeps_the_mornings_bars_and_ticks(tmp_path: Path) -> None:
    from datetime import datetime
    from decimal import Decimal

    from vyapari.brokers.types import Tick
    from vyapari.core.time import IST

    store = LocalObjectStore(tmp_path / "lake")
    t0 = pd.Timestamp("2026-10-30 09:15", tz="Asia/Kolkata")
    minute = pd.Timedelta(minutes=1)
    first = SessionRecorder(store, ["NSE:AAA", "NSE:BBB"], ticks=True, flush_every=2)
    for i in range(3):
        first.on_bar(_slice(t0 + i * minute, [100.0 + i, 200.0], [True, i != 1]))
        at = datetime(2026, 10, 30, 9, 15 + i, 5, tzinfo=IST)
        first.on_tick(Tick("NSE:AAA", Decimal("100.5"), at, 0, 3))
    assert first.close().to_dict()["bars"] == 5  # AAA 3, BBB 2 (it did not trade in the second minute)
    second = SessionRecorder(store, ["NSE:AAA", "NSE:BBB"], ticks=True)  # the service restarted
    second.on_bar(_slice(t0 + 2 * minute, [150.0, 250.0], [True, True]))  # a minute both have: ours wins
    second.on_bar(_slice(t0 + 3 * minute, [103.0, 203.0], [True, True]))
    second.on_tick(Tick("NSE:AAA", Decimal("101"), datetime(2026, 10, 30, 9, 18, 1, tzinfo=IST), 0, 4))
    summary = second.close()
    assert summary.failures == 0 and summary.to_dict()["sessions"] == ["2026-10-30"]
    day = date(2026, 10, 30)
    aaa = read_minute_months(store, "NSE", "AAA", day, day)
    bbb = read_minute_months(store, "NSE", "BBB", day, day)
    assert aaa["close"].tolist() == [100.0, 101.0, 150.0, 103.0]
    assert bbb["close"].tolist() == [200.0, 250.0, 203.0]
    assert [t.strftime("%H:%M") for t in bbb["ts"]] == ["09:15", "09:17", "09:18"]
    ticks = ParquetTickStore(store).read_ticks("NSE", "AAA", day, day)
    assert ticks["qty"].tolist() == [3, 3, 3, 4]  # the morning's three, then the restarted run's


class FailingOnce(LocalObjectStore):
    """A lake whose first ``fails`` atomic writes fail (a full disk, an S3 outage)."""

    def __init__(self, root: Path, fails: int) -> None:
        super().__init__(root)
        self.fails = fails

    def put_atomic(self, key: str, data: bytes) -> None:
        if self.fails > 0:
            self.fails -= 1
            raise OSError("no space left on device")
        super().put_atomic(key, data)


def test_a_failed_write_is_counted_and_the_next_flush_writes_everything(tmp_path: Path) -> None:
    from datetime import datetime
    from decimal import Decimal

    from vyapari.brokers.types import Tick
    from vyapari.core.time import IST

    store = FailingOnce(tmp_path / "lake", fails=2)  # the first flush's bars and its ticks
    t0 = pd.Timestamp("2026-10-30 09:15", tz="Asia/Kolkata")
    recorder = SessionRecorder(store, ["NSE:AAA"], ticks=True, flush_every=2)
    for i in range(4):
        at = datetime(2026, 10, 30, 9, 15 + i, 5, tzinfo=IST)
        recorder.on_tick(Tick("NSE:AAA", Decimal("100"), at, 0, i + 1))
        recorder.on_bar(_slice(t0 + i * pd.Timedelta(minutes=1), [100.0 + i], [True]))
    summary = recorder.close()
    day = date(2026, 10, 30)
    assert summary.failures == 2 and store.fails == 0
    assert read_minute_months(store, "NSE", "AAA", day, day)["close"].tolist() == [100.0, 101.0, 102.0, 103.0]
    assert ParquetTickStore(store).read_ticks("NSE", "AAA", day, day)["qty"].tolist() == [1, 2, 3, 4]
