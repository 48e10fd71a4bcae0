"""Benchmark of broker history into the lake (run on demand: ``python benchmarks/bench_history.py``).

1. ``HistoryFetch`` with the real ``kiteconnect`` client against the loopback fake Kite of the
   integration tests, at Kite's 3 historical requests/s: the sustained request rate after the
   bucket's initial burst, as a fraction of the allowed rate (target ≥ 0.9). The fake's answers are
   computed once beforehand (it runs in this process), so the time measured is the client's, ours
   and the rate limit's.
2. Writing a year of minute bars for 50 symbols into an empty lake session by session
   (``store_minute_sessions``, the path of ``history fetch`` and of bar-file ingestion) against a bare
   ``pyarrow.parquet.write_table`` of the same rows into the same (symbol, month) files, default
   options (target ratio ≥ 0.5).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import date, datetime
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration" / "brokers"))  # the fake Kite server

from vyapari.core.time import IST  # noqa: E402
from vyapari.data.bar_sessions import store_minute_sessions  # noqa: E402
from vyapari.data.storage import LocalObjectStore  # noqa: E402
from vyapari.market.calendar import get_calendar  # noqa: E402


def _serve(conn: Connection, symbols: list[str]) -> None:
    """Run the fake Kite (answers cached after their first computation) until told to stop."""
    import fake_history
    from fake_http import Request, Response

    fake_history.KITE_TOKENS.update({str(100_000 + i): s for i, s in enumerate(symbols)})
    server = fake_history.HistoryKite()
    cache: dict[tuple[str, str, str], Response] = {}
    serve = server.history

    def cached(req: Request) -> Response:
        key = (req.path, req.query["from"], req.query["to"])
        if key not in cache:
            answer = serve(req)
            cache[key] = Response(answer.status, json.dumps(answer.body).encode())
        return Response(cache[key].status, cache[key].body)

    server.routes[-1] = ("GET", "/instruments/historical/*/*", server.auth(cached))
    conn.send(server.start())  # listening: the readiness signal
    conn.recv()
    server.stop()


def bench_fetch(n_symbols: int, start: date, end: date) -> None:
    """Print the sustained request rate of a history fetch against the fake Kite at 3 requests/s.

    The fake runs in its own process, as a broker is remote (in this process its threads would
    compete with the client's for the interpreter lock).
    """
    from fake_kite import ACCESS_TOKEN, API_KEY

    from vyapari.brokers.history import HistoryFetch
    from vyapari.brokers.secrets import InMemorySecretsStore
    from vyapari.brokers.session import BrokerSession, SessionProvider
    from vyapari.brokers.zerodha import KiteBrokerAdapter, KiteConfig
    from vyapari.instruments.records import InstrumentRecord

    symbols = [f"SYM{i:03d}" for i in range(n_symbols)]
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(theirs, symbols), daemon=True)
    process.start()
    root = ours.recv()
    provider = SessionProvider("zerodha", InMemorySecretsStore())
    provider.save(BrokerSession.issued("zerodha", ACCESS_TOKEN, datetime.now(IST)))
    records = [InstrumentRecord(f"NSE:{s}", str(100_000 + i), "NSE", s, 1, Decimal("0.05"))
               for i, s in enumerate(symbols)]

    def run(lake: Path) -> tuple[int, float]:
        adapter = KiteBrokerAdapter(KiteConfig(API_KEY, api_root=root, timeout_s=60), provider,
                                    instruments=records)
        fetch = HistoryFetch(adapter, "zerodha", LocalObjectStore(lake), "NSE", "1m")
        plans = {s: fetch.plan(s, start, end) for s in symbols}
        began = time.perf_counter()
        fetch.fetch_all([(s, f"NSE:{s}", w) for s, w in plans.items()])
        return sum(len(w) for w in plans.values()), time.perf_counter() - began

    with tempfile.TemporaryDirectory() as tmp:
        run(Path(tmp) / "warm")  # fills the fake's answer cache
        n, took = run(Path(tmp) / "lake")
    ours.send("stop")
    process.join(timeout=30)
    limit, burst = 3.0, 3
    sustained = (n - burst) / took
    print(f"history fetch: {n_symbols} symbols x {n // n_symbols} windows = {n} requests (60-day minute "
          f"windows, {start}..{end}) in {took:.2f} s")
    print(f"  sustained {sustained:.2f} req/s after the {burst}-request burst; allowed {limit:.0f} req/s: "
          f"ratio {sustained / limit:.2f} (target >= 0.9)")


def year_of_minutes(n_symbols: int, year: int, seed: int = 3) -> dict[str, pd.DataFrame]:
    """A year of START-labelled minute bars per symbol (every calendar session, every minute)."""
    cal = get_calendar("NSE")
    grid = np.concatenate([cal.minute_grid(s.session_date).as_unit("ns").asi8 for s in
                           cal.sessions(date(year, 1, 1), date(year, 12, 31))])
    ts = pd.Series(pd.to_datetime(grid, utc=True).tz_convert(IST))
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(n_symbols):
        close = np.round(np.exp(np.cumsum(rng.normal(0, 5e-4, len(grid))) + np.log(100 + i)) / 0.05) * 0.05
        out[f"SYM{i:03d}"] = pd.DataFrame({"ts": ts, "open": close, "high": close + 0.05, "low": close - 0.05,
                                           "close": close, "volume": rng.integers(1, 5000, len(grid))})
    return out


def bench_write(n_symbols: int, year: int) -> None:
    """Print lake writes of a year of minute bars against bare ``pyarrow.parquet.write_table``."""
    data = year_of_minutes(n_symbols, year)
    rows = sum(len(f) for f in data.values())
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        for symbol, frame in data.items():
            local = frame["ts"].dt.tz_convert(IST)
            for (_, month), part in frame.groupby([local.dt.year, local.dt.month]):
                path = Path(tmp) / "bare" / symbol / f"{month:02d}.parquet"
                path.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(pa.Table.from_pandas(part, preserve_index=False), path)
        bare = time.perf_counter() - began
        store = LocalObjectStore(Path(tmp) / "lake")
        began = time.perf_counter()
        for symbol, frame in data.items():
            store_minute_sessions(store, "NSE", symbol, frame)
        lake = time.perf_counter() - began
    print(f"minute bars: {n_symbols} symbols x {year} = {rows:,} rows")
    print(f"  bare pyarrow.parquet.write_table: {bare:6.2f} s  {rows / bare:12,.0f} rows/s")
    print(f"  lake (store_minute_sessions):     {lake:6.2f} s  {rows / lake:12,.0f} rows/s  "
          f"ratio {bare / lake:.2f} (target >= 0.5)")


def main(argv: list[str] | None = None) -> None:
    """Run both benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=10, help="symbols fetched (10)")
    parser.add_argument("--write-symbols", type=int, default=50, help="symbols written (50)")
    args: Any = parser.parse_args(argv)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    bench_fetch(args.symbols, date(2025, 1, 1), date(2025, 6, 30))
    bench_write(args.write_symbols, 2025)


if __name__ == "__main__":
    main()
