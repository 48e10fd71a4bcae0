"""``vyapari history fetch`` with the real kiteconnect and upstox-python-sdk clients against fake servers.

The servers (loopback, bound before the first request) page minute history per request window and
refuse over-long ranges as the brokers do; faults inject a 429 and a 5xx mid-run, a revoked token,
and an unknown symbol.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fake_history import KITE_DUMP, HistoryKite, HistoryUpstox, minute_candles
from fake_http import Response
from fake_kite import ACCESS_TOKEN as KITE_TOKEN
from fake_kite import API_KEY as KITE_KEY
from fake_kite import error as kite_error
from fake_upstox import ACCESS_TOKEN as UPSTOX_TOKEN
from fake_upstox import API_KEY as UPSTOX_KEY
from fake_upstox import error as upstox_error

from vyapari.brokers.secrets import LocalFileSecretsStore
from vyapari.brokers.session import BrokerSession, SessionProvider
from vyapari.cli.main import main
from vyapari.core.time import IST
from vyapari.data.minute_store import read_minute_months
from vyapari.data.storage import LocalObjectStore
from vyapari.instruments import InstrumentSnapshots
from vyapari.market.calendar import get_calendar

START, END = date(2025, 7, 1), date(2025, 10, 31)


def _login(tmp_path: Path, broker: str, token: str) -> None:
    provider = SessionProvider(broker, LocalFileSecretsStore(tmp_path / "secrets.json"))
    provider.save(BrokerSession.issued(broker, token, datetime.now(IST)))


@pytest.fixture
def kite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HistoryKite]:
    server = HistoryKite()
    root = server.start()  # bound and listening before it returns: no start-up race
    monkeypatch.setenv("KITE_API_KEY", KITE_KEY)
    monkeypatch.setenv("KITE_API_ROOT", root)
    monkeypatch.setenv("VYAPARI_SECRETS_FILE", str(tmp_path / "secrets.json"))
    _login(tmp_path, "zerodha", KITE_TOKEN)
    snapshots = InstrumentSnapshots(LocalObjectStore(tmp_path / "lake"))
    assert snapshots.publish("zerodha", date(2025, 6, 30), KITE_DUMP.encode(), "kite.csv").ok
    yield server
    server.stop()


@pytest.fixture
def upstox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HistoryUpstox]:
    server = HistoryUpstox()
    root = server.start()
    monkeypatch.setenv("UPSTOX_API_KEY", UPSTOX_KEY)
    monkeypatch.setenv("UPSTOX_API_HOST", root)
    monkeypatch.setenv("UPSTOX_INSTRUMENTS_URL", f"{root}/instruments.json")
    monkeypatch.setenv("VYAPARI_SECRETS_FILE", str(tmp_path / "secrets.json"))
    _login(tmp_path, "upstox", UPSTOX_TOKEN)
    yield server
    server.stop()


def _fetch(capsys: pytest.CaptureFixture[str], lake: Path, broker: str, symbols: str,
           start: date = START, end: date = END, *extra: str) -> tuple[int, dict[str, Any], str]:
    code = main(["history", "fetch", "--broker", broker, "--symbols", symbols, "--interval", "1m",
                 "--from", start.isoformat(), "--to", end.isoformat(), "--lake", str(lake), "--json", *extra])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip() else {}), out.err


def _sessions(start: date, end: date) -> list[date]:
    return [s.session_date for s in get_calendar("NSE").sessions(start, end)]


def _check_windows(ranges: list[tuple[str, date, date]], symbol: str, max_days: int, start: date,
                   end: date) -> None:
    mine = sorted((a, b) for s, a, b in ranges if s == symbol)
    assert all((b - a).days < max_days for a, b in mine)
    covered = [d for a, b in mine for d in _sessions(a, b)]
    assert covered == _sessions(start, end)  # every session once: no gap, no overlap


def _stored_equals_served(lake: Path, symbol: str, start: date, end: date) -> None:
    bars = read_minute_months(LocalObjectStore(lake), "NSE", symbol, start, end)
    served = minute_candles(symbol, start, end)
    assert [t.to_pydatetime() for t in bars["ts"]] == [r[0] for r in served]
    assert bars["close"].tolist() == [r[4] for r in served]


def test_kite_windows_cover_the_range_and_an_unknown_symbol_is_named(
    kite: HistoryKite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _fetch(capsys, tmp_path / "lake", "zerodha", "RELIANCE,NOSUCH,TCS")
    assert code == 1  # NOSUCH failed, named; the others were fetched
    by_symbol = {r["symbol"]: r for r in out["symbols"]}
    assert "NSE:NOSUCH is not in the zerodha instrument snapshot" in str(by_symbol["NOSUCH"]["error"])
    assert by_symbol["TCS"]["error"] is None and by_symbol["TCS"]["windows"] == 3
    for symbol in ("RELIANCE", "TCS"):
        _check_windows(kite.ranges, symbol, 60, START, END)
        _stored_equals_served(tmp_path / "lake", symbol, START, END)
    cover = {c["symbol"]: c for c in out["coverage"]}
    assert cover["TCS"]["complete"] == cover["TCS"]["sessions"] == len(_sessions(START, END))
    assert cover["NOSUCH"]["absent"] == [d.isoformat() for d in _sessions(START, END)]


def test_kite_429_and_5xx_mid_run_are_retried(kite: HistoryKite, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    kite.add_fault("GET", "/instruments/historical", kite_error(429, "NetworkException", "Too many requests"))
    kite.add_fault("GET", "/instruments/historical", Response(503, {"status": "error", "message": "busy",
                                                                     "error_type": "NetworkException"}))
    code, out, _ = _fetch(capsys, tmp_path / "lake", "zerodha", "TCS", START, date(2025, 8, 29))
    assert code == 0, out
    calls = [r for r in kite.log if r.path.startswith("/instruments/historical")]
    assert len(calls) == 3  # 429, 503, then the window itself
    _stored_equals_served(tmp_path / "lake", "TCS", START, date(2025, 8, 29))


def test_kite_expired_token_names_the_login_and_a_resumed_run_fetches_only_what_is_missing(
    kite: HistoryKite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kite.revoke_after = 1  # the token dies after the first window
    code, _, err = _fetch(capsys, tmp_path / "lake", "zerodha", "TCS")
    assert code == 2 and "vyapari login zerodha" in err
    first = list(kite.ranges)
    assert len(first) == 1
    kite.revoke_after = None
    kite.tokens.add(KITE_TOKEN)  # the user logged in again
    code, out, _ = _fetch(capsys, tmp_path / "lake", "zerodha", "TCS")
    assert code == 0
    second = kite.ranges[len(first):]
    assert second and all(a > first[0][2] for _, a, _ in second)  # only the missing windows
    _check_windows(kite.ranges, "TCS", 60, START, END)
    _stored_equals_served(tmp_path / "lake", "TCS", START, END)
    before = len(kite.ranges)
    code, out, _ = _fetch(capsys, tmp_path / "lake", "zerodha", "TCS")
    assert code == 0 and len(kite.ranges) == before  # nothing missing: no request at all
    assert out["symbols"][0]["requests"] == 0


def test_kite_refetch_leaves_complete_days_and_replaces_a_changed_one(
    kite: HistoryKite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    end = date(2025, 7, 31)
    assert _fetch(capsys, tmp_path / "lake", "zerodha", "TCS", START, end)[0] == 0
    month = tmp_path / "lake" / "curated/minute_bars/exchange=NSE/symbol=TCS/year=2025/2025-07.parquet"
    mtime = month.stat().st_mtime_ns
    code, out, _ = _fetch(capsys, tmp_path / "lake", "zerodha", "TCS", START, end, "--refresh")
    result = out["symbols"][0]
    assert code == 0 and result["unchanged"] == len(_sessions(START, end)) and result["replaced"] == 0
    assert month.stat().st_mtime_ns == mtime  # a complete, unchanged day is not rewritten
    kite.changed = frozenset({date(2025, 7, 15)})
    code, out, _ = _fetch(capsys, tmp_path / "lake", "zerodha", "TCS", START, end, "--refresh")
    result = out["symbols"][0]
    assert result["replaced_dates"] == ["2025-07-15"]
    assert result["unchanged"] == len(_sessions(START, end)) - 1
    bars = read_minute_months(LocalObjectStore(tmp_path / "lake"), "NSE", "TCS", date(2025, 7, 15),
                              date(2025, 7, 15))
    assert bars["close"].tolist() == [r[4] for r in minute_candles("TCS", date(2025, 7, 15),
                                                                  date(2025, 7, 15), kite.changed)]


def test_upstox_windows_429_and_unknown_symbol(upstox: HistoryUpstox, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    upstox.add_fault("GET", "/v3/historical-candle",
                     upstox_error(429, "UDAPI10005", "Too Many Request Sent"))
    code, out, _ = _fetch(capsys, tmp_path / "lake", "upstox", "RELIANCE,NOSUCH")
    assert code == 1
    by_symbol = {r["symbol"]: r for r in out["symbols"]}
    assert "NSE:NOSUCH is not in Upstox's instruments" in str(by_symbol["NOSUCH"]["error"])
    _check_windows(upstox.ranges, "RELIANCE", 31, START, END)
    _stored_equals_served(tmp_path / "lake", "RELIANCE", START, END)
    bars = read_minute_months(LocalObjectStore(tmp_path / "lake"), "NSE", "RELIANCE", START, END)
    assert bars["ts"].iloc[0] == pd.Timestamp("2025-07-01 09:15", tz=IST)  # START label kept


def test_upstox_without_a_session_names_the_login(upstox: HistoryUpstox, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "secrets.json").unlink()
    code, _, err = _fetch(capsys, tmp_path / "lake", "upstox", "TCS", START, START + timedelta(days=3))
    assert code == 2 and "vyapari login upstox" in err
    assert upstox.ranges == []
