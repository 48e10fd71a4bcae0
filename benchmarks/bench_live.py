"""Tick-to-decision latency of the live engine on the paper broker (a figure, never asserted).

500 instruments, ticks stamped at 10,000 ticks/s (each instrument every 50 ms) for a few
minutes of a session, fed to :meth:`LiveEngine.on_price` as fast as possible, with garbage
collected between slices as ``vyapari live`` does (``--gc-auto`` leaves Python's automatic
collection on). Reported:

* per-tick latency (bar-builder update) p50 / p99,
* decision latency of the ticks that close a minute: the whole ``on_price`` call of that
  tick, i.e. the slice (history, paper broker matching and fills, booking, strategy,
  risk, intents, paper orders, marks, P&L, checkpoint) p50 / p99 / max, over all slices
  and split into slices that placed or filled no order and slices that did,
* tick to orders out: from the tick's arrival to the end of the decision phase, when every
  order of the slice has been handed to the broker (what comes after: marks, P&L messages,
  checkpoint, garbage collection); and the same without the time spent inside the simulated
  exchange (its matching of resting orders and its order entry: the broker's side),
* where that time goes: open phase (reconcile, paper broker, booking, guards; the paper
  broker's own share apart), decision (strategy, risk, intents, orders), and the rest,
* sustained rate: ticks processed per second of wall time (the rate before the engine
  falls behind).

Prices of the ``--active`` instruments (default all) are the first bar's closes times
independent noise per tick, so fast SMA crossovers flip often: from the fourth minute on,
a large share of them trade every minute (the count is printed); the other instruments
drift down and never trade. ``--active 500`` is a stress load no broker would accept (Kite
and Upstox both allow 10 orders a second); ``--active 10`` places about 5 orders a minute.

Run: ``.venv/bin/python benchmarks/bench_live.py [--minutes 20] [--instruments 500]
[--active N] [--strategy sma_cross_bar] [--gc-auto]``; ``--quick`` runs 5 minutes.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from vyapari.brokers.paper import PaperBrokerAdapter
from vyapari.brokers.paper.config import PaperConfig
from vyapari.cli.live import configure_logging
from vyapari.costs.spec import fee_model_from_spec
from vyapari.live.bars import SessionTable
from vyapari.live.collector import SliceCollector
from vyapari.live.engine import LiveConfig, LiveEngine
from vyapari.live.ports import InMemoryMetrics, NullPublisher
from vyapari.live.store import InMemoryOrderStateStore, OrderStateStore, SqliteOrderStateStore
from vyapari.market.calendar import get_calendar
from vyapari.strategies import make_strategy
from vyapari.strategy.synthetic import random_walk_panel


class DecisionClock:
    """When (``perf_counter_ns``) the engine's decision phase last returned: orders are out."""

    def __init__(self, engine: LiveEngine) -> None:
        inner = engine._decide
        self.at = 0

        def timed(t: int) -> None:
            inner(t)
            self.at = time.perf_counter_ns()

        engine._decide = timed  # type: ignore[method-assign]

    def take(self) -> int:
        """The time of the last decision."""
        return self.at


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
    ap.add_argument(
        "--active",
        type=int,
        default=None,
        help="instruments whose price is noisy (the rest drift down and never trade); default all",
    )
    ap.add_argument(
        "--gc-auto",
        action="store_true",
        help="leave automatic garbage collection on (default: collect between slices, as the service)",
    )
    ap.add_argument(
        "--store",
        choices=("memory", "sqlite"),
        default="memory",
        help="order-state store: in memory, or SQLite on disk as vyapari live (one fsync per intent write)",
    )
    args = ap.parse_args()
    minutes = 5 if args.quick else args.minutes
    store: OrderStateStore = InMemoryOrderStateStore()
    if args.store == "sqlite":  # what `vyapari live` uses: every intent fsync'd before its order
        store = SqliteOrderStateStore(Path(tempfile.mkdtemp(prefix="bench-live-")) / "orders.sqlite")
    active = args.instruments if args.active is None else args.active
    panel = random_walk_panel(symbols=args.instruments, sessions=1, bars_per_session=2, seed=5)
    strategy = make_strategy(args.strategy, {"fast": 2, "slow": 3, "qty": 1})
    broker = PaperBrokerAdapter(PaperConfig(fees=fee_model_from_spec("zerodha")))  # the engine's, as the CLI
    engine = LiveEngine(
        strategy,
        broker,
        panel.symbols,
        LiveConfig(run_id="bench"),
        store,
        SessionTable(get_calendar("NSE").session_bounds),
        publisher=NullPublisher(),
        metrics=InMemoryMetrics(),
    )
    if not args.gc_auto:
        engine.collector = SliceCollector()
        engine.collector.start()
    phases = PhaseClock()
    phases.wrap(engine, "_open_phase", "open")
    phases.wrap(broker, "on_slice", "paper broker")
    phases.wrap(broker.exchange, "place", "paper exchange place")
    phases.wrap(engine, "_decide", "decide")
    decided = DecisionClock(engine)

    per_minute = 60 * args.rate
    step_ns = 1_000_000_000 // args.rate
    rng = np.random.default_rng(1)
    ts0 = int(panel.ts[0]) + 1
    lat = np.empty(minutes * per_minute, np.int64)
    decisions: list[int] = []
    to_orders: list[int] = []
    breakdown: list[dict[str, int]] = []
    activity: list[int] = []
    clock = time.perf_counter_ns
    elapsed = 0.0
    for minute in range(minutes):
        cols = np.arange(per_minute) % args.instruments
        noise = rng.normal(0, 0.0005, per_minute)
        noise[cols >= active] = -0.001 * minute  # quiet instruments drift down: fast stays below slow
        # array('d'/'q') rather than lists: the feed's ticks are freed one by one, the benchmark's
        # minute of them must not sit in the garbage collector's young generation either
        prices = array("d", (panel.close[0][cols] * np.exp(noise)).round(2).tobytes())
        qty = array("d", rng.integers(1, 500, per_minute).astype(float).tobytes())
        cols_l = array("q", cols.astype(np.int64).tobytes())
        base = minute * per_minute
        slices, intents, fills = engine.slices, len(engine.orders.intents), len(engine.account.trade_ids)
        started = time.perf_counter()
        first = clock()  # the minute's first tick closes the previous minute: timed apart
        engine.on_price(cols_l[0], ts0 + base * step_ns, prices[0], qty[0])
        lat[base] = clock() - first
        for i in range(1, per_minute):
            t0 = clock()
            engine.on_price(cols_l[i], ts0 + (base + i) * step_ns, prices[i], qty[i])
            lat[base + i] = clock() - t0
        elapsed += time.perf_counter() - started
        if engine.slices > slices:
            decisions.append(base)
            to_orders.append(decided.take() - first)
            breakdown.append(phases.take())
            activity.append(len(engine.orders.intents) - intents + len(engine.account.trade_ids) - fills)
    decision = lat[decisions]
    ordinary = np.delete(lat, decisions)
    quiet = np.array([d for d, a in zip(decision, activity, strict=True) if a == 0])
    busy = np.array([d for d, a in zip(decision, activity, strict=True) if a > 0])
    out = np.array(to_orders)
    out_quiet = np.array([d for d, a in zip(out, activity, strict=True) if a == 0])
    out_busy = np.array([d for d, a in zip(out, activity, strict=True) if a > 0])
    total = len(lat)
    print(
        f"instruments={args.instruments} ticks={total:,} market rate={args.rate:,}/s "
        f"strategy={args.strategy} active={active} store={args.store} slices={engine.slices}"
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
    print(
        f"tick to orders out p50={_pct(out, 50, 1e6)} ms  p99={_pct(out, 99, 1e6)} ms  "
        f"(quiet p99={_pct(out_quiet, 99, 1e6)} ms, busy p50={_pct(out_busy, 50, 1e6)} ms "
        f"p99={_pct(out_busy, 99, 1e6)} ms)"
    )
    simulated = np.array([b.get("paper broker", 0) + b.get("paper exchange place", 0) for b in breakdown])
    engine_only = out - simulated
    engine_busy = np.array([d for d, a in zip(engine_only, activity, strict=True) if a > 0])
    print(
        f"  without the simulated exchange (its matching and order entry, the broker's side): "
        f"p50={_pct(engine_only, 50, 1e6)} ms  p99={_pct(engine_only, 99, 1e6)} ms  "
        f"(busy p50={_pct(engine_busy, 50, 1e6)} ms p99={_pct(engine_busy, 99, 1e6)} ms)"
    )
    for phase in ("open", "paper broker", "decide"):
        spent = np.array([b.get(phase, 0) for b in breakdown])
        print(f"  {phase:<16} p50={_pct(spent, 50, 1e6)} ms  p99={_pct(spent, 99, 1e6)} ms")
    rest = decision - np.array([b.get("open", 0) + b.get("decide", 0) for b in breakdown])
    print(f"  {'rest':<16} p50={_pct(rest, 50, 1e6)} ms  p99={_pct(rest, 99, 1e6)} ms")
    print(f"all ticks p99={_pct(lat, 99, 1e3)}µs p99.99={_pct(lat, 99.99, 1e6)} ms")
    print(f"sustained rate     {total / elapsed:,.0f} ticks/s (target load {args.rate:,}/s)")
    print(f"orders sent        {len(engine.broker.orders())}  fills {len(engine.account.trade_ids)}")
    if engine.collector is not None:
        c = engine.collector
        each = c.pauses_ns / max(c.collections, 1) / 1e6
        print(f"garbage collection {c.collections} passes after slices, {each:.2f} ms each")


if __name__ == "__main__":
    # INFO records and credential redaction as in `vyapari live` (an order's log line is part of
    # its cost on the engine's thread); lines go to the null device
    with open(os.devnull, "w", encoding="utf-8") as sink:
        configure_logging(sink)
        main()
