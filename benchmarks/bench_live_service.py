"""Sustained tick rate through the live service's own path (a figure, never asserted).

``bench_live.py`` feeds prices straight into :meth:`LiveEngine.on_price`. A running service
does more per tick: the broker stream decodes a frame into :class:`Tick` objects on its
socket thread, the tick callback queues each one, and :meth:`LiveService.step` drains the
queue into :meth:`LiveEngine.on_tick` (Decimal price and datetime to floats and ns). This
benchmark times those parts for 500 instruments at 10,000 ticks/s of market time, with the
paper broker and ``sma_cross_bar`` (fast 2, slow 3, ten instruments trading):

* **decode**: Kite binary frames of 50 full-mode packets (184 bytes) through
  :func:`vyapari.brokers.zerodha.ticks.parse_frame`, as the Kite stream's socket thread does;
* **queue and engine**: the decoded ticks pushed through the paper tick stream's callback
  into the service's queue and drained by ``step`` into the engine, minutes closing as they go;
* **sustained**: both in one thread's time (they share the interpreter lock), the rate at
  which the service falls behind.

Run: ``.venv/bin/python benchmarks/bench_live_service.py [--minutes 5] [--instruments 500]``.
"""

from __future__ import annotations

import argparse
import os
import struct
import time
from datetime import timedelta

import numpy as np

from vyapari.brokers.paper import PaperBrokerAdapter
from vyapari.brokers.paper.adapter import PaperTickStream
from vyapari.brokers.paper.config import PaperConfig
from vyapari.brokers.types import Tick
from vyapari.brokers.zerodha.ticks import parse_frame
from vyapari.core.time import ist_from_ns
from vyapari.costs.spec import fee_model_from_spec
from vyapari.live.bars import SessionTable
from vyapari.live.engine import LiveConfig, LiveEngine
from vyapari.live.ports import InMemoryMetrics, NullPublisher
from vyapari.live.runner import configure_logging
from vyapari.live.service import LiveService, ServiceConfig
from vyapari.live.store import InMemoryOrderStateStore
from vyapari.market.calendar import get_calendar
from vyapari.strategies import make_strategy
from vyapari.strategy.synthetic import random_walk_panel

PACKETS_PER_FRAME = 50


def full_packet(token: int, ltp_paise: int, last_qty: int, volume: int) -> bytes:
    """A 184-byte Kite full-mode packet (big-endian int32 fields, then the market depth)."""
    head = struct.pack(">iiiiiiiiiii", token, ltp_paise, last_qty, ltp_paise, volume, 0, 0,
                       ltp_paise, ltp_paise, ltp_paise, ltp_paise)
    return head + bytes(184 - len(head))


def frames(tokens: np.ndarray, paise: np.ndarray, qty: np.ndarray) -> list[bytes]:
    """Binary frames of ``PACKETS_PER_FRAME`` packets each (count, then length-prefixed packets)."""
    out = []
    for start in range(0, len(tokens), PACKETS_PER_FRAME):
        end = start + PACKETS_PER_FRAME
        rows = zip(tokens[start:end], paise[start:end], qty[start:end], strict=True)
        packets = [full_packet(int(t), int(p), int(q), 0) for t, p, q in rows]
        body = b"".join(struct.pack(">h", len(p)) + p for p in packets)
        out.append(struct.pack(">h", len(packets)) + body)
    return out


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=int, default=5)
    ap.add_argument("--instruments", type=int, default=500)
    ap.add_argument("--rate", type=int, default=10_000, help="ticks per second of market time")
    args = ap.parse_args()
    panel = random_walk_panel(symbols=args.instruments, sessions=1, bars_per_session=2, seed=5)
    broker = PaperBrokerAdapter(PaperConfig(fees=fee_model_from_spec("zerodha")))
    engine = LiveEngine(
        make_strategy("sma_cross_bar", {"fast": 2, "slow": 3, "qty": 1}),
        broker,
        panel.symbols,
        LiveConfig(run_id="bench"),
        InMemoryOrderStateStore(),
        SessionTable(get_calendar("NSE").session_bounds),
        publisher=NullPublisher(),
        metrics=InMemoryMetrics(),
    )
    now = [ist_from_ns(int(panel.ts[0]))]  # the service's clock follows the ticks' market time
    stream = broker.tick_stream()
    assert isinstance(stream, PaperTickStream)
    service = LiveService(engine, stream, config=ServiceConfig(), clock=lambda: now[0])
    service.start()
    names = {n + 1: iid for n, iid in enumerate(engine.instruments)}
    per_minute = 60 * args.rate
    step = timedelta(seconds=1 / args.rate)
    rng = np.random.default_rng(1)
    start = ist_from_ns(int(panel.ts[0]) + 1)
    decode_s = engine_s = 0.0
    ticks = 0
    for minute in range(args.minutes):
        cols = np.arange(per_minute) % args.instruments
        noise = rng.normal(0, 0.0005, per_minute)
        noise[cols >= 10] = -0.001 * minute  # ten instruments trade, the rest drift down
        paise = np.round(panel.close[0][cols] * np.exp(noise) * 100).astype(np.int64)
        qty = rng.integers(1, 500, per_minute)
        batch = frames(cols + 1, paise, qty)
        t0 = time.perf_counter()
        decoded: list[Tick] = []
        for frame in batch:  # the socket thread's work; stamped with the frame's market time below
            got, _ = parse_frame(frame, names, start)
            decoded.extend(got)
        decode_s += time.perf_counter() - t0
        base = start + timedelta(minutes=minute)
        stamped = [Tick(t.instrument_id, t.price, base + i * step, t.volume, t.last_quantity)
                   for i, t in enumerate(decoded)]
        t0 = time.perf_counter()
        for i in range(0, len(stamped), PACKETS_PER_FRAME):
            for tick in stamped[i:i + PACKETS_PER_FRAME]:
                stream.push(tick)
            now[0] = stamped[i].received_at
            service.step()
        engine_s += time.perf_counter() - t0
        ticks += len(stamped)
    service.close()
    print(f"instruments={args.instruments} ticks={ticks:,} minutes={args.minutes} slices={engine.slices} "
          f"orders={len(broker.orders())}")
    for label, spent in (("decode (Kite frames)", decode_s), ("queue + engine (service)", engine_s)):
        print(f"{label:<25} {ticks / spent:>12,.0f} ticks/s  {spent / ticks * 1e6:.2f} µs/tick")
    both = decode_s + engine_s
    print(f"sustained, one thread     {ticks / both:>12,.0f} ticks/s  (target load {args.rate:,}/s)")


if __name__ == "__main__":
    # INFO records and credential redaction as in `vyapari live` (an order's log line is part of
    # its cost on the engine's thread); lines go to the null device
    with open(os.devnull, "w", encoding="utf-8") as sink:
        configure_logging(sink)
        main()
