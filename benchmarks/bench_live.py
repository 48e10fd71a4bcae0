"""Tick-to-decision latency of the live engine on the paper broker (a figure, never asserted).

500 instruments, ticks stamped at 10,000 ticks/s (each instrument every 50 ms) for a few
minutes of a session, fed to :meth:`LiveEngine.on_price` as fast as possible, with garbage
collected between slices as ``vyapari live`` does (``--gc-auto`` leaves Python's automatic
collection on). Reported:

* per-tick latency (bar-builder update) p50 / p99, and apart the opening trades that filled
  resting orders (the paper broker's matching and the engine's booking of those fills),
* **tick to decision** (the target figure) for the tick that closes a minute: from its arrival
  until the strategy has decided the slice's orders and each has passed the risk checks and is
  written down as an intent in memory (history, open phase, strategy, risk, intents; the kill
  switch as last read, which the engine reads from its store between ticks), p50 / p99,
  over all slices and over those that placed or filled orders ("busy"),
  and the same counted in the engine thread's CPU time, which leaves out time the operating
  system gave the core to another process (on a shared 2-core machine the wall-time tail is
  mostly that),
* tick to orders out: until every order of the slice is durable (the store's batch write) and
  handed to the broker; and the same without the simulated exchange's own work (its matching
  of what rests at the minute's end and its order entry: the broker's side),
* the whole call of that tick (also marks, P&L messages, checkpoint, reconciliation, the
  deferred log and metric lines, garbage collection), and where its time goes,
* sustained rate: ticks processed per second of wall time (the rate before the engine
  falls behind).

``--ports memory`` (default) runs the engine with an in-memory order store and no metrics
stream; ``--ports service`` with what ``vyapari live --broker paper`` runs locally: the SQLite
order store (every batch fsync'd), the journaled paper broker (a JSON-lines file) and EMF metric
lines (to the null device).

Prices of the ``--active`` instruments (default all) are the first bar's closes times
independent noise per tick, so fast SMA crossovers flip often: from the fourth minute on,
a large share of them trade every minute (the count is printed); the other instruments
drift down and never trade. ``--active 500`` is a stress load no broker would accept (Kite
and Upstox both allow 10 orders a second); ``--active 10`` places about 5 orders a minute.

Run: ``.venv/bin/python benchmarks/bench_live.py [--minutes 30] [--instruments 500]
[--active N] [--ports memory|service] [--strategy sma_cross_bar] [--gc-auto] [--per-slice] [--tail N]``;
``--quick`` runs 5 minutes. ``--tail N`` lists the N slices with the most CPU time to decision and
what ran in each before the decision, to find the tail by instrumenting rather than by re-running.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import tempfile
import time
from array import array
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from vyapari.brokers.paper import PaperBrokerAdapter
from vyapari.brokers.paper.config import PaperConfig
from vyapari.brokers.paper.journal import JournaledPaperBrokerAdapter
from vyapari.costs.spec import fee_model_from_spec
from vyapari.live.bars import SessionTable
from vyapari.live.collector import SliceCollector
from vyapari.live.engine import LiveConfig, LiveEngine
from vyapari.live.ports import EmfMetrics, InMemoryMetrics, Metrics, NullPublisher
from vyapari.live.runner import configure_logging
from vyapari.live.store import InMemoryOrderStateStore, OrderStateStore, SqliteOrderStateStore
from vyapari.market.calendar import get_calendar
from vyapari.strategies import make_strategy
from vyapari.strategy.synthetic import random_walk_panel


class DecisionClock:
    """When (``perf_counter_ns``) the engine's decision phase last decided (the strategy returned:
    its orders risk-checked and staged, before their batch write) and last returned (orders out).
    ``on_decided`` is called at the moment of decision (``--tail`` closes its window there)."""

    def __init__(self, engine: LiveEngine) -> None:
        decide, send = engine._decide, engine.orders.send_staged
        self.decided = self.out = self.decided_cpu = 0
        self._deciding = False
        self.on_decided: Callable[[], None] = lambda: None

        def timed_decide(t: int) -> None:
            self._deciding = True
            try:
                decide(t)
            finally:
                self._deciding = False
            self.out = time.perf_counter_ns()

        def timed_send() -> int:
            if self._deciding:
                self.decided = time.perf_counter_ns()
                self.decided_cpu = time.thread_time_ns()
                self.on_decided()
            return send()

        engine._decide = timed_decide  # type: ignore[method-assign]
        engine.orders.send_staged = timed_send  # type: ignore[method-assign]


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


class WindowEvents:
    """What ran between a minute's closing tick and its decision (``--tail``): garbage collection
    passes (``gc.callbacks``), order-store calls, the venue's book reads and order calls, log
    records. Counted only while :attr:`open`; wrapping costs a flag test per call outside it.
    Not ``enabled``: nothing is wrapped and nothing counted."""

    def __init__(self, store: object, broker: object, enabled: bool) -> None:
        self.open = False
        self.enabled = enabled
        self.seen: Counter[str] = Counter()
        if enabled:
            self._install(store, broker)

    def _install(self, store: object, broker: object) -> None:
        for name in ("get_value", "set_value", "put", "put_many", "intents"):
            self._count(store, name, f"store.{name}")
        for name in ("orders", "trades", "positions", "submit", "cancel", "find_order"):
            self._count(broker, name, f"venue.{name}")
        gc.callbacks.append(self._gc)
        events = self

        class Records(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                if events.open:
                    events.seen[f"log.{record.levelname}"] += 1

        logging.getLogger().addHandler(Records())

    def _count(self, owner: object, name: str, label: str) -> None:
        inner: Callable[..., Any] = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            if self.open:
                self.seen[label] += 1
            return inner(*args, **kwargs)

        setattr(owner, name, counted)

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if self.open and phase == "stop":
            self.seen[f"gc{info['generation']}"] += 1

    def start(self) -> None:
        """Open the window (the closing tick arrives)."""
        self.seen = Counter()
        self.open = self.enabled

    def close(self) -> None:
        """Close it (the decision is made)."""
        self.open = False


def _print_tail(traced: list[tuple[int, int, int, Counter[str]]], n: int) -> None:
    """The ``n`` slices with the most CPU time to decision, and what ran in each before it."""
    if n <= 0:
        return
    print(f"slowest {n} slices on the CPU (minute: CPU to decision, orders decided, what ran before it):")
    for minute, cpu, placed, seen in sorted(traced, key=lambda r: -r[1])[:n]:
        ran = ", ".join(f"{k}×{v}" for k, v in sorted(seen.items())) or "nothing else counted"
        print(f"  {minute:4d}: {cpu / 1e6:.2f} ms, {placed} orders; {ran}")


def _pct(values: np.ndarray, q: float, scale: float) -> str:
    return f"{np.percentile(values, q) / scale:.2f}" if values.size else "n/a"


def _ports(kind: str) -> tuple[OrderStateStore, PaperBrokerAdapter, Metrics]:
    """The order store, paper broker and metrics of ``--ports kind``."""
    config = PaperConfig(fees=fee_model_from_spec("zerodha"))  # the engine's, as the CLI
    if kind == "memory":
        return InMemoryOrderStateStore(), PaperBrokerAdapter(config), InMemoryMetrics()
    state = Path(tempfile.mkdtemp(prefix="bench-live-"))  # what `vyapari live --broker paper` runs with
    return (
        SqliteOrderStateStore(state / "orders.sqlite"),
        JournaledPaperBrokerAdapter(state / "paper-journal.jsonl", config),
        EmfMetrics(stream=open(os.devnull, "w", encoding="utf-8")),
    )


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=int, default=30, help="minutes of market time (slices = minutes - 1)")
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
        "--ports",
        choices=("memory", "service"),
        default="memory",
        help="in-memory store and metrics, or vyapari live's own: SQLite store, journaled paper broker, EMF",
    )
    ap.add_argument("--per-slice", action="store_true", help="print tick to decision of every slice")
    ap.add_argument(
        "--tail",
        type=int,
        default=0,
        metavar="N",
        help="print the N slices with the most CPU time to decision and what ran in each before it "
        "(orders decided, GC passes, store and venue calls, log records)",
    )
    args = ap.parse_args()
    minutes = 5 if args.quick else args.minutes
    active = args.instruments if args.active is None else args.active
    panel = random_walk_panel(symbols=args.instruments, sessions=1, bars_per_session=2, seed=5)
    strategy = make_strategy(args.strategy, {"fast": 2, "slow": 3, "qty": 1})
    store, broker, metrics = _ports(args.ports)
    engine = LiveEngine(
        strategy,
        broker,
        panel.symbols,
        LiveConfig(run_id="bench"),
        store,
        SessionTable(get_calendar("NSE").session_bounds),
        publisher=NullPublisher(),
        metrics=metrics,
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
    window = WindowEvents(store, broker, enabled=args.tail > 0)
    decided.on_decided = window.close
    traced: list[tuple[int, int, int, Counter[str]]] = []  # (minute, CPU ns, orders, events)
    opening: list[int] = []  # time of each opening trade that filled orders
    on_open = engine._on_first_trade

    def timed_open(column: int, ts_ns: int, price: float) -> None:
        t0 = time.perf_counter_ns()
        on_open(column, ts_ns, price)
        opening.append(time.perf_counter_ns() - t0)

    engine._on_first_trade = timed_open  # type: ignore[method-assign]

    per_minute = 60 * args.rate
    step_ns = 1_000_000_000 // args.rate
    rng = np.random.default_rng(1)
    ts0 = int(panel.ts[0]) + 1
    lat = np.empty(minutes * per_minute, np.int64)
    decisions: list[int] = []
    to_decision: list[int] = []
    on_cpu: list[int] = []  # the same in the engine thread's CPU time (without time it was not running)
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
        slices, intents = engine.slices, len(engine.orders.intents)
        started = time.perf_counter()
        first_cpu = time.thread_time_ns()
        window.start()
        first = clock()  # the minute's first tick closes the previous minute: timed apart
        engine.on_price(cols_l[0], ts0 + base * step_ns, prices[0], qty[0])
        lat[base] = clock() - first
        window.close()
        placed = len(engine.orders.intents) - intents  # orders the slice decided
        for i in range(1, per_minute):
            t0 = clock()
            engine.on_price(cols_l[i], ts0 + (base + i) * step_ns, prices[i], qty[i])
            lat[base + i] = clock() - t0
        elapsed += time.perf_counter() - started
        if engine.slices > slices:
            decisions.append(base)
            to_decision.append(decided.decided - first)
            on_cpu.append(decided.decided_cpu - first_cpu)
            to_orders.append(decided.out - first)
            breakdown.append(phases.take())
            activity.append(placed)
            traced.append((minute, on_cpu[-1], placed, window.seen))
    decision = lat[decisions]
    ordinary = np.delete(lat, decisions)
    busy = np.array(activity) > 0
    total = len(lat)
    print(
        f"instruments={args.instruments} ticks={total:,} market rate={args.rate:,}/s "
        f"strategy={args.strategy} active={active} ports={args.ports} slices={engine.slices} "
        f"(busy: {int(busy.sum())}, {np.mean(np.array(activity)[busy]) if busy.any() else 0:.1f} orders each)"
    )
    print(f"per-tick latency     p50={_pct(ordinary, 50, 1e3)} µs  p99={_pct(ordinary, 99, 1e3)} µs")
    opened = np.array(opening)
    print(
        f"  opening trades that filled orders ({opened.size}): p50={_pct(opened, 50, 1e3)} µs  "
        f"p99={_pct(opened, 99, 1e3)} µs  max={_pct(opened, 100, 1e3)} µs"
    )

    def line(label: str, values: list[int] | np.ndarray) -> None:
        v = np.asarray(values)
        print(
            f"{label:<21}p50={_pct(v, 50, 1e6)} ms  p99={_pct(v, 99, 1e6)} ms  max={_pct(v, 100, 1e6)} ms  "
            f"(busy p50={_pct(v[busy], 50, 1e6)} ms  p99={_pct(v[busy], 99, 1e6)} ms  "
            f"max={_pct(v[busy], 100, 1e6)} ms)"
        )

    line("tick to decision", to_decision)
    line("  on the CPU", on_cpu)
    if args.per_slice:
        print("  per slice (ms):", " ".join(f"{v / 1e6:.2f}" for v in to_decision))
    line("tick to orders out", to_orders)
    simulated = np.array([b.get("paper broker", 0) + b.get("paper exchange place", 0) for b in breakdown])
    line("  without exchange", np.array(to_orders) - simulated)
    line("whole call", decision)
    for phase in ("open", "paper broker", "decide"):
        spent = np.array([b.get(phase, 0) for b in breakdown])
        print(f"  {phase:<19}p50={_pct(spent, 50, 1e6)} ms  p99={_pct(spent, 99, 1e6)} ms")
    rest = decision - np.array([b.get("open", 0) + b.get("decide", 0) for b in breakdown])
    print(f"  {'rest':<19}p50={_pct(rest, 50, 1e6)} ms  p99={_pct(rest, 99, 1e6)} ms")
    print(f"all ticks            p99={_pct(lat, 99, 1e3)} µs  p99.99={_pct(lat, 99.99, 1e6)} ms")
    print(f"sustained rate       {total / elapsed:,.0f} ticks/s (target load {args.rate:,}/s)")
    print(f"orders sent          {len(engine.broker.orders())}  fills {len(engine.account.trade_ids)}")
    _print_tail(traced, args.tail)
    if engine.collector is not None:
        c = engine.collector
        each = c.pauses_ns / max(c.collections, 1) / 1e6
        print(f"garbage collection   {c.collections} passes after slices, {each:.2f} ms each")


if __name__ == "__main__":
    # INFO records and credential redaction as in `vyapari live` (an order's log line is part of
    # its cost on the engine's thread); lines go to the null device
    with open(os.devnull, "w", encoding="utf-8") as sink:
        configure_logging(sink)
        main()
