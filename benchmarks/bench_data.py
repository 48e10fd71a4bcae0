"""Benchmark of the data layer (run on demand: ``python benchmarks/bench_data.py``; never asserted in CI).

1. Ingest a year of generated NSE UDiFF CM files (250 files × ~3,000 rows) from a local folder into a
   local lake; report rows/s and the ratio to the floor of just reading the same CSVs with
   ``pyarrow.csv`` (target ≥ 0.5), one file at a time and with ``Lake.ingest_files`` (2 processes).
2. Build 1-minute bars from ticks (vectorised kernel and the frame-level wrapper); report ticks/s
   (target ≥ 5 M ticks/s).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv

from vyapari.data.formats import UDIFF_COLUMNS
from vyapari.data.lake import Lake
from vyapari.data.minute_bars import build_minute_bars, ticks_to_bars_kernel
from vyapari.data.storage import MemoryObjectStore
from vyapari.market.calendar import get_calendar


def make_udiff_files(folder: Path, n_files: int, n_rows: int, seed: int = 1) -> list[Path]:
    """Write ``n_files`` synthetic UDiFF CM files on consecutive 2025 NSE sessions."""
    rng = np.random.default_rng(seed)
    sessions = [s.session_date for s in get_calendar("NSE").sessions(date(2025, 1, 1), date(2025, 12, 31))]
    symbols = np.array([f"SYM{i:05d}" for i in range(n_rows)])
    paths = []
    for day in sessions[:n_files]:
        close = np.round(rng.uniform(10, 5000, n_rows) / 0.05) * 0.05
        spread = np.round(close * 0.01 / 0.05) * 0.05
        frame = pd.DataFrame({c: "" for c in UDIFF_COLUMNS}, index=range(n_rows))
        frame["TradDt"] = frame["BizDt"] = day.isoformat()
        frame["Sgmt"], frame["Src"], frame["FinInstrmTp"], frame["SctySrs"] = "CM", "NSE", "STK", "EQ"
        frame["FinInstrmId"], frame["TckrSymb"] = np.arange(n_rows), symbols
        frame["ISIN"] = [f"INE{i:09d}" for i in range(n_rows)]
        frame["OpnPric"], frame["HghPric"], frame["LwPric"] = close, close + spread, close - spread
        frame["ClsPric"] = frame["LastPric"] = frame["PrvsClsgPric"] = close
        frame["TtlTradgVol"] = rng.integers(1, 1_000_000, n_rows)
        frame["TtlTrfVal"] = np.round(frame["TtlTradgVol"] * close, 2)
        frame["TtlNbOfTxsExctd"], frame["SsnId"], frame["NewBrdLotQty"] = 100, "F1", 1
        path = folder / f"BhavCopy_NSE_CM_0_0_0_{day:%Y%m%d}_F_0000.csv"
        frame.to_csv(path, index=False, float_format="%.2f")
        paths.append(path)
    return paths


def bench_ingest(n_files: int, n_rows: int, workers: int = 2) -> None:
    """Print the ingest figures: one file at a time, then ``Lake.ingest_files`` with ``workers``.

    The floor is unchanged: ``pyarrow.csv.read_csv`` of each file (default options, so pyarrow's
    own threads), timed once before the ingests. For information only: the same read on one thread,
    and ``ingest_file`` into an in-memory store (the ingest without the disk's file creations). Each
    ingest run starts from an empty lake.
    """
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        files = make_udiff_files(root / "in", n_files, n_rows)
        start = time.perf_counter()
        rows = sum(pacsv.read_csv(p).num_rows for p in files)
        floor = time.perf_counter() - start
        one_thread = pacsv.ReadOptions(use_threads=False)
        start = time.perf_counter()
        for p in files:
            pacsv.read_csv(p, read_options=one_thread)
        floor_1t = time.perf_counter() - start  # for information only: the target uses ``floor``
        lake = Lake.at(root / "lake")
        start = time.perf_counter()
        results = [lake.ingest_file(p) for p in files]
        took = time.perf_counter() - start
        assert all(r.status == "ingested" for r in results), [r.message for r in results if r.message]
        batch_lake = Lake.at(root / "lake_batch")
        start = time.perf_counter()
        batch = batch_lake.ingest_files(files, workers=workers)
        batch_took = time.perf_counter() - start
        assert [r.status for r in batch] == ["ingested"] * len(files)
        memory_lake = Lake(MemoryObjectStore())  # for information only: the same path without the disk
        start = time.perf_counter()
        for p in files:
            memory_lake.ingest_file(p)
        memory_took = time.perf_counter() - start
    print(f"ingest: {len(files)} files, {rows:,} rows")
    print(f"  pyarrow.csv read floor:   {floor:6.2f} s  {rows / floor:12,.0f} rows/s  "
          f"{floor / len(files) * 1e3:5.2f} ms/file")
    print(f"  (same, 1 thread; info)    {floor_1t:6.2f} s  {rows / floor_1t:12,.0f} rows/s  "
          f"{floor_1t / len(files) * 1e3:5.2f} ms/file")
    for label, secs in (("lake.ingest_file", took), (f"ingest_files({workers} workers)", batch_took)):
        print(f"  {label:24s}{secs:6.2f} s  {rows / secs:12,.0f} rows/s  "
              f"{secs / len(files) * 1e3:5.2f} ms/file  ratio to floor {floor / secs:.2f} (target >= 0.5)")
    print(f"  (ingest_file, in-memory store; info) {memory_took / len(files) * 1e3:5.2f} ms/file  "
          f"ratio to floor {floor / memory_took:.2f}")


def bench_ticks(n_ticks: int, sessions: int = 5) -> None:
    """Print the tick-to-bar figures."""
    rng = np.random.default_rng(2)
    cal = get_calendar("NSE")
    _, open_ns, close_ns = cal.session_bounds(date(2025, 9, 1), date(2025, 9, 30))
    open_ns, close_ns = open_ns[:sessions], close_ns[:sessions]
    which = rng.integers(0, sessions, n_ticks)
    ts = open_ns[which] + rng.integers(0, 375 * 60 * 10**9, n_ticks)
    ts.sort()
    price = np.round(rng.uniform(1000, 1010, n_ticks) / 0.05) * 0.05
    qty = rng.integers(1, 100, n_ticks).astype(np.float64)
    kernel = float("inf")
    for _ in range(3):  # best of three (the first run pays page faults)
        start = time.perf_counter()
        bars = ticks_to_bars_kernel(ts, price, qty, open_ns, close_ns)
        kernel = min(kernel, time.perf_counter() - start)
    stamps = pd.to_datetime(ts, utc=True).tz_convert("Asia/Kolkata")
    frame = pd.DataFrame({"ts": stamps, "price": price, "qty": qty})
    start = time.perf_counter()
    built = build_minute_bars(frame, "NSE")
    wrapper = time.perf_counter() - start
    print(f"ticks: {n_ticks:,} ticks over {sessions} sessions -> {len(bars['label']):,} bars "
          f"({len(built):,} via the wrapper)")
    print(f"  kernel:  {kernel:6.3f} s  {n_ticks / kernel / 1e6:6.1f} M ticks/s (target >= 5)")
    print(f"  wrapper: {wrapper:6.3f} s  {n_ticks / wrapper / 1e6:6.1f} M ticks/s")


def main() -> None:
    """Run both benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=250)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--ticks", type=int, default=10_000_000)
    parser.add_argument("--workers", type=int, default=2, help="processes of the batch ingest")
    args = parser.parse_args()
    bench_ingest(args.files, args.rows, args.workers)
    bench_ticks(args.ticks)


if __name__ == "__main__":
    main()
