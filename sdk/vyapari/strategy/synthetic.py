"""Synthetic bars on the real calendar (benchmarks, tests, examples).

:func:`random_walk_panel` draws a seeded geometric random walk per symbol over the last
``sessions`` sessions before ``end`` (exclusive), ``bars_per_session`` one-minute bars from
09:15 IST, prices on the paisa grid, starting between ₹100 and ₹3,000. Same seed, same bars.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from vyapari.model.enums import Exchange
from vyapari.strategy.panel import BarPanel

NS_PER_MINUTE = 60_000_000_000


def random_walk_panel(
    symbols: int = 50,
    sessions: int = 250,
    bars_per_session: int = 375,
    *,
    seed: int = 7,
    end: date = date(2026, 11, 1),
    exchange: Exchange = Exchange.NSE,
    sigma: float = 0.0012,
) -> BarPanel:
    """A panel of ``symbols`` × ``sessions`` × ``bars_per_session`` 1-minute bars (see module doc)."""
    from vyapari.market.calendar import get_calendar

    cal = get_calendar(exchange)
    chosen = cal.sessions_before(end, sessions)
    opens = np.array([int(s.open_at.timestamp()) * 1_000_000_000 for s in chosen], dtype=np.int64)
    ts = (opens[:, None] + np.arange(bars_per_session)[None, :] * NS_PER_MINUTE).ravel()
    t_count = ts.size
    rng = np.random.default_rng(seed)
    start = rng.uniform(100.0, 3000.0, symbols)
    steps = rng.normal(0.0, sigma, (t_count, symbols))
    close = np.round(start * np.exp(np.cumsum(steps, axis=0)), 2)
    open_ = np.empty_like(close)
    open_[0] = np.round(start, 2)
    open_[1:] = np.round(close[:-1] * np.exp(rng.normal(0.0, sigma / 4, (t_count - 1, symbols))), 2)
    spread = np.abs(rng.normal(0.0, sigma, (t_count, symbols))) * close
    high = np.round(np.maximum(open_, close) + spread, 2)
    low = np.round(np.maximum(np.minimum(open_, close) - spread, 0.01), 2)
    volume = rng.integers(500, 50_000, (t_count, symbols)).astype(np.float64)
    session = np.repeat(np.arange(len(chosen), dtype=np.int32), bars_per_session)
    return BarPanel(
        symbols=tuple(f"SYM{i:03d}" for i in range(symbols)),
        ts=ts,
        open=open_,
        high=high,
        low=low,
        close=close,
        volume=volume,
        valid=np.ones((t_count, symbols), dtype=bool),
        session=session,
        session_dates=np.array([s.session_date for s in chosen], dtype="datetime64[D]"),
        session_close_ns=np.array(
            [int(s.close_at.timestamp()) * 1_000_000_000 for s in chosen], dtype=np.int64
        ),
        lot_sizes=np.ones(symbols, dtype=np.int64),
    )
