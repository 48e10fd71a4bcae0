"""Tick-to-decision latency of the live engine on the paper broker (a figure, never asserted).

500 instruments, ticks stamped at 10,000 ticks/s (each instrument every 50 ms) for a few
minutes of a session, fed to :meth:`LiveEngine.on_price` as fast as possible. Reported:

* per-tick latency (bar-builder update) p50 / p99,
* decision latency of the ticks that close a minute: the whole ``on_price`` call of that
  tick, i.e. the slice (history, paper broker matching and fills, booking, strategy,
  risk, intents, paper orders, marks, P&L, checkpoint) p50 / p99 / max, over all slices
  and split into slices that placed or filled no order and slices that did,
* where that time goes: open phase (reconcile, paper broker, booking, guards; the paper
  broker's own share apart), decision (strategy, risk, intents, orders), and the rest,
* sustained rate: ticks processed per second of wall time (the rate before the engine
  falls behind).

Prices are the first bar's closes times independent noise per tick, so fast SMA crossovers
flip often: from the fourth minute on, a large share of the instruments trade every minute
(a stress load for the order path; the count is printed).

Run: ``.venv/bin/python benchmarks/bench_live.py [--minutes 20] [--instruments 500]
[--strategy sma_cross_bar]``; ``--quick`` runs 5 minutes.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from vyapari.brokers.paper import PaperBrokerAdapter
from vyapari.live.bars import SessionTable
from vyapari.live.engine import LiveConfig, LiveEngine
from vyapari.live.ports import InMemoryMetrics, NullPublisher
from vyapari.live.store import InMemoryOrderStateStore
from vyapari.market.calendar import get_calendar
from vyapari.strategies import make_strategy
from vyapari.strategy.synthetic import random_walk_panel


class PhaseClock:
    """Wall time (ns) spent in wrapped calls, summed per phase since the last :meth:`take`."""

    def __init__(self) -> None:
        self.spent: dict[str, int] = {}

    def wrap(self, owner: Any, name: str, phase: str) -> None:
        """Time ``owner.name`` (an instance method) under ``phase`` (nothing if it has none)."""
        inner: Callable[..., Any] | None = getattr(owner, name, None)
        if inner is None:
            return
        clock = time.perf_counter_ns

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = clock()
            try:
                return inner(*args, **kwargs)
            finally:
                self.spent[phase] = self.spent.get(phase, 0) + clock() - t0

        setattr(owner, name, timed)

    def take(self) -> dict[str, int]:
        """The sums since the last call, then reset."""
        out, self.spent = self.spent, {}
        return out


def _pct(values: np.ndarray, q: float, scale: float) -> str:
    return f"{np.percentile(values, q) / scale:.2f}" if values.size else "n/a"


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=int, default=20, help="minutes of market time (slices = minutes - 1)")
    ap.add_argument("--quick", action="store_true", help="5 minutes")
    ap.add_argument("--instruments", type=int, default=500)
    ap.add_argument("--rate", type=int, default=10_000, help="ticks per second of market time")
    ap.add_argument(
        "--strategy", default="sma_cross_bar", help="sma_cross_bar (per bar) or sma_cross (vectorised)"
    )
    args = ap.parse_args()
    minutes = 5 if args.quick else args.minutes
    panel = random_walk_panel(symbols=args.instruments, sessions=1, bars_per_session=2, seed=5)
    strategy = make_strategy(args.strategy, {"fast": 2, "slow": 3, "qty": 1})
    broker = PaperBrokerAdapter()
    engine = LiveEngine(
        strategy,
        broker,
        panel.symbols,
        LiveConfig(run_id="bench"),
        InMemoryOrderStateStore(),
        SessionTable(get_calendar("NSE").session_bounds),
        publisher=NullPublisher(),
        metrics=InMemoryMetrics(),
    )
    phases = PhaseClock()
    phases.wrap(engine, "_open_phase", "open")
    phases.wrap(broker, "on_slice", "paper broker")
    phases.wrap(engine, "_decide", "decide")

    per_minute = 60 * args.rate
    step_ns = 1_000_000_000 // args.rate
    rng = np.random.default_rng(1)
    ts0 = int(panel.ts[0]) + 1
    lat = np.empty(minutes * per_minute, np.int64)
    decisions: list[int] = []
    breakdown: list[dict[str, int]] = []
    activity: list[int] = []
    clock = time.perf_counter_ns
    elapsed = 0.0
    for minute in range(minutes):
        cols = np.arange(per_minute) % args.instruments
        prices = (panel.close[0][cols] * np.exp(rng.normal(0, 0.0005, per_minute))).round(2).tolist()
        qty = rng.integers(1, 500, per_minute).astype(float).tolist()
        cols_l = cols.tolist()
        base = minute * per_minute
        slices, intents, fills = engine.slices, len(engine.orders.intents), len(engine.account.trade_ids)
        started = time.perf_counter()
        for i in range(per_minute):
            t0 = clock()
            engine.on_price(cols_l[i], ts0 + (base + i) * step_ns, prices[i], qty[i])
            lat[base + i] = clock() - t0
        elapsed += time.perf_counter() - started
        if engine.slices > slices:  # the minute's first tick closed the previous minute
            decisions.append(base)
            breakdown.append(phases.take())
            activity.append(len(engine.orders.intents) - intents + len(engine.account.trade_ids) - fills)
    decision = lat[decisions]
    ordinary = np.delete(lat, decisions)
    quiet = np.array([d for d, a in zip(decision, activity, strict=True) if a == 0])
    busy = np.array([d for d, a in zip(decision, activity, strict=True) if a > 0])
    total = len(lat)
    print(
        f"instruments={args.instruments} ticks={total:,} market rate={args.rate:,}/s "
        f"strategy={args.strategy} slices={engine.slices}"
    )
    print(f"per-tick latency   p50={_pct(ordinary, 50, 1e3)} µs  p99={_pct(ordinary, 99, 1e3)} µs")
    print(
        f"decision latency   p50={_pct(decision, 50, 1e6)} ms  p99={_pct(decision, 99, 1e6)} ms  "
        f"max={decision.max() / 1e6:.2f} ms  (all {decision.size} slices)"
    )
    print(
        f"  quiet slices     p50={_pct(quiet, 50, 1e6)} ms  p99={_pct(quiet, 99, 1e6)} ms  "
        f"({quiet.size} slices without orders or fills)"
    )
    print(
        f"  busy slices      p50={_pct(busy, 50, 1e6)} ms  p99={_pct(busy, 99, 1e6)} ms  "
        f"({busy.size} slices; orders+fills per busy slice: "
        f"{np.mean([a for a in activity if a]) if busy.size else 0:.0f})"
    )
    for phase in ("open", "paper broker", "decide"):
        spent = np.array([b.get(phase, 0) for b in breakdown])
        print(f"  {phase:<16} p50={_pct(spent, 50, 1e6)} ms  p99={_pct(spent, 99, 1e6)} ms")
    rest = decision - np.array([b.get("open", 0) + b.get("decide", 0) for b in breakdown])
    print(f"  {'rest':<16} p50={_pct(rest, 50, 1e6)} ms  p99={_pct(rest, 99, 1e6)} ms")
    print(f"all ticks p99={_pct(lat, 99, 1e3)}µs p99.99={_pct(lat, 99.99, 1e6)} ms")
    print(f"sustained rate     {total / elapsed:,.0f} ticks/s (target load {args.rate:,}/s)")
    print(f"orders sent        {len(engine.broker.orders())}  fills {len(engine.account.trade_ids)}")


if __name__ == "__main__":
    main()
