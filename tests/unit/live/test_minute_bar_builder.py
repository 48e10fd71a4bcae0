"""The incremental builder gives the ingestion kernel's bars, emitted at each minute roll-over."""

from __future__ import annotations

import numpy as np

from vyapari.data.minute_bars import ticks_to_bars_kernel
from vyapari.live.bars import MinuteBarBuilder, SessionTable
from vyapari.market.calendar import get_calendar
from vyapari.strategy.synthetic import random_walk_panel

MIN = 60_000_000_000


def test_streaming_bars_equal_the_batch_kernel_and_skip_out_of_session_ticks() -> None:
    cal = get_calendar("NSE")
    panel = random_walk_panel(symbols=1, sessions=1, bars_per_session=30, seed=3)
    open_ns = int(panel.ts[0])
    rng = np.random.default_rng(1)
    ts = np.sort(open_ns - 5 * MIN + rng.integers(0, 40 * MIN, 3000))  # includes pre-open ticks
    price = np.round(100 + rng.normal(0, 1, ts.size).cumsum(), 2)
    qty = rng.integers(1, 100, ts.size).astype(float)
    _, opens, closes = cal.session_bounds(panel.session_dates[0].item(), panel.session_dates[0].item())
    expected = ticks_to_bars_kernel(ts, price, qty, opens, closes)
    builder = MinuteBarBuilder(["NSE:A"], SessionTable(cal.session_bounds))
    got = [
        b
        for b in (builder.add(0, int(t), float(p), float(q)) for t, p, q in zip(ts, price, qty, strict=True))
        if b
    ]
    last = builder.advance(int(ts[-1]) + MIN)
    got += [last] if last else []
    assert [b.ts_ns for b in got] == expected["label"].tolist()
    for field in ("open", "high", "low", "close", "volume"):
        assert np.array_equal(np.array([getattr(b, field)[0] for b in got]), expected[field])
    assert builder.outside > 0


def test_a_late_tick_is_counted_and_dropped() -> None:
    cal = get_calendar("NSE")
    panel = random_walk_panel(symbols=1, sessions=1, bars_per_session=5, seed=3)
    t0 = int(panel.ts[0])
    builder = MinuteBarBuilder(["NSE:A"], SessionTable(cal.session_bounds))
    builder.add(0, t0 + 1, 10.0, 1)
    assert builder.add(0, t0 + MIN, 11.0, 1) is not None
    assert builder.add(0, t0 + 2, 9.0, 1) is None and builder.late == 1


def test_an_instrument_without_ticks_in_a_minute_is_missing_from_that_slice_only() -> None:
    cal = get_calendar("NSE")
    panel = random_walk_panel(symbols=1, sessions=1, bars_per_session=30, seed=3)
    open_ns = int(panel.ts[0])
    rng = np.random.default_rng(4)
    ticks = []
    for n in range(3):  # sparse ticks: most instruments skip some minutes
        ts = np.sort(open_ns + rng.integers(0, 20 * MIN, 25))
        price = np.round(100 * (n + 1) + rng.normal(0, 1, ts.size).cumsum(), 2)
        qty = rng.integers(1, 50, ts.size)
        ticks += [(int(t), n, float(p), float(q)) for t, p, q in zip(ts, price, qty, strict=True)]
    ticks.sort()
    builder = MinuteBarBuilder(["NSE:A", "NSE:B", "NSE:C"], SessionTable(cal.session_bounds))
    got = [b for b in (builder.add(n, t, p, q) for t, n, p, q in ticks) if b]
    got += [b for b in [builder.advance(ticks[-1][0] + MIN)] if b]
    _, opens, closes = cal.session_bounds(panel.session_dates[0].item(), panel.session_dates[0].item())
    for n in range(3):
        mine = [(t, p, q) for t, k, p, q in ticks if k == n]
        ts, price, qty = (np.array(x) for x in zip(*mine, strict=True))
        expected = ticks_to_bars_kernel(ts, price, qty, opens, closes)
        rows = [b for b in got if b.valid[n]]
        assert [b.ts_ns for b in rows] == expected["label"].tolist()
        for field in ("open", "high", "low", "close", "volume"):
            assert np.array_equal(np.array([getattr(b, field)[n] for b in rows]), expected[field])
        gaps = [b for b in got if not b.valid[n]]
        assert gaps, "each instrument must miss a minute another one traded in"
        assert all(np.isnan([b.open[n], b.high[n], b.low[n], b.close[n], b.volume[n]]).all() for b in gaps)
