"""Tick-to-decision latency of the live engine on the paper broker (a figure, never asserted).

500 instruments, ticks stamped at 10,000 ticks/s (each instrument every 50 ms) for a few
minutes of a session, fed to :meth:`LiveEngine.on_price` as fast as possible. Reported:

* per-tick latency (bar-builder update) p50 / p99,
* decision latency of the ticks that close a minute (slice → broker fills → strategy →
  risk → intents → paper orders) p50 / p99 / max,
* sustained rate: ticks processed per second of CPU (the rate before the engine falls behind).

Run: ``.venv/bin/python benchmarks/bench_live.py [--minutes 3] [--instruments 500]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from vyapari.brokers.paper import PaperBrokerAdapter
from vyapari.live.bars import SessionTable
from vyapari.live.engine import LiveConfig, LiveEngine
from vyapari.live.ports import InMemoryMetrics, NullPublisher
from vyapari.live.store import InMemoryOrderStateStore
from vyapari.market.calendar import get_calendar
from vyapari.strategies import make_strategy
from vyapari.strategy.synthetic import random_walk_panel


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=int, default=3)
    ap.add_argument("--instruments", type=int, default=500)
    ap.add_argument("--rate", type=int, default=10_000, help="ticks per second of market time")
    args = ap.parse_args()
    panel = random_walk_panel(symbols=args.instruments, sessions=1, bars_per_session=2, seed=5)
    strategy = make_strategy("sma_cross_bar", {"fast": 2, "slow": 3, "qty": 1})
    engine = LiveEngine(
        strategy,
        PaperBrokerAdapter(),
        panel.symbols,
        LiveConfig(run_id="bench"),
        InMemoryOrderStateStore(),
        SessionTable(get_calendar("NSE").session_bounds),
        publisher=NullPublisher(),
        metrics=InMemoryMetrics(),
    )
    total = args.minutes * 60 * args.rate
    step_ns = 1_000_000_000 // args.rate
    rng = np.random.default_rng(1)
    cols = np.arange(total) % args.instruments
    prices = (panel.close[0][cols] * np.exp(rng.normal(0, 0.0005, total))).round(2).tolist()
    qty = rng.integers(1, 500, total).astype(float).tolist()
    ts0 = int(panel.ts[0]) + 1
    lat = np.empty(total, np.int64)
    cols_l = cols.tolist()
    clock = time.perf_counter_ns
    started = time.perf_counter()
    for i in range(total):
        t0 = clock()
        engine.on_price(cols_l[i], ts0 + i * step_ns, prices[i], qty[i])
        lat[i] = clock() - t0
    elapsed = time.perf_counter() - started
    rolls = np.flatnonzero(np.diff((ts0 + np.arange(total) * step_ns - ts0) // 60_000_000_000) > 0) + 1
    decision = lat[rolls]
    ordinary = np.delete(lat, rolls)
    print(
        f"instruments={args.instruments} ticks={total:,} market rate={args.rate:,}/s slices={engine.slices}"
    )
    print(
        f"per-tick latency   p50={np.percentile(ordinary, 50) / 1e3:.2f} µs  "
        f"p99={np.percentile(ordinary, 99) / 1e3:.2f} µs"
    )
    print(
        f"decision latency   p50={np.percentile(decision, 50) / 1e6:.2f} ms  "
        f"p99={np.percentile(decision, 99) / 1e6:.2f} ms  max={decision.max() / 1e6:.2f} ms"
    )
    print(
        f"all ticks p99={np.percentile(lat, 99) / 1e3:.2f}µs p99.99={np.percentile(lat, 99.99) / 1e6:.2f} ms"
    )
    print(f"sustained rate     {total / elapsed:,.0f} ticks/s (target load {args.rate:,}/s)")
    print(f"orders sent        {len(engine.broker.orders())}")


if __name__ == "__main__":
    main()
