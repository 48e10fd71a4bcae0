"""Synthetic but realistic sample data for the demo (seeded: reruns are byte-identical).

``generate_sample(out, sessions=30, end=..., seed=...)`` writes, for the last ``sessions`` sessions of
the real NSE calendar up to ``end`` (inclusive)::

    nse_udiff/BhavCopy_NSE_CM_0_0_0_YYYYMMDD_F_0000.csv    NIFTY 50, official UDiFF layout
    nse_legacy/cmDDMONYYYYbhav.csv                          the same days in the legacy layout
    bse_udiff/BhavCopy_BSE_CM_0_0_0_YYYYMMDD_F_0000.CSV    SENSEX constituents, BSE UDiFF
    corporate_actions/CF-CA-equities.csv                    NSE export layout: a split, a bonus, …
    minute/<SYMBOL>.parquet                                 ts (IST, bar start), OHLC, volume

Every price is on the ₹0.05 tick grid; each day's OHLCV equals the aggregate of its minute bars (open =
first bar open, high = max, low = min, close = last close, volume = sum). Raw prices before the split
and bonus ex-dates are higher by the share ratio, so the adjusted series is continuous.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from vyapari.core.errors import InvalidInput
from vyapari.data.corporate_actions import ActionKind, parse_purpose
from vyapari.data.minute_bars import aggregate_sorted
from vyapari.data.sample_files import write_bse_udiff, write_corporate_actions, write_minute, write_nse_day
from vyapari.data.sample_universe import NIFTY50, SAMPLE_ACTIONS, SENSEX

TICK_INR = 0.05


@dataclass
class SymbolPath:
    """One symbol's simulated raw minute bars (prices in ticks of ₹0.05) and their daily aggregate."""

    symbol: str
    minute: dict[str, np.ndarray]
    daily: dict[str, np.ndarray]
    prev_close: np.ndarray


@dataclass
class SampleSummary:
    """What :func:`generate_sample` wrote."""

    out: Path
    sessions: list[date]
    files: list[Path] = field(default_factory=list)


def _ratios(symbol: str, days: list[date], ex_dates: dict[str, tuple[date, int]]) -> np.ndarray:
    """Per-day raw/adjusted price multiplier (the share ratio before the ex-date, else 1)."""
    mult = np.ones(len(days), dtype=np.int64)
    if symbol in ex_dates:
        ex, ratio = ex_dates[symbol]
        mult[np.array([d < ex for d in days])] = ratio
    return mult


def simulate(rng: np.random.Generator, symbol: str, ref_inr: float, grids: list[np.ndarray],
             mult: np.ndarray) -> SymbolPath:
    """Simulate one symbol's minute bars on the session grids (ns since epoch, bar starts)."""
    sizes = np.array([len(g) for g in grids])
    day_of = np.repeat(np.arange(len(grids)), sizes)
    first = np.r_[0, np.cumsum(sizes)[:-1]]
    daily_sigma = rng.uniform(0.010, 0.022)
    steps = rng.normal(0.0, daily_sigma / np.sqrt(375), day_of.size)
    gaps = np.zeros(day_of.size)
    gaps[first] = rng.normal(0.0, daily_sigma * 0.4, len(grids))
    path = np.log(ref_inr / mult[0]) + np.cumsum(steps + gaps)
    close_t = np.maximum(np.round(np.exp(path) / TICK_INR), 20).astype(np.int64)
    open_t = np.maximum(np.round(np.exp(np.r_[path[0] - steps[0], path[:-1] + gaps[1:]]) / TICK_INR), 20)
    open_t = open_t.astype(np.int64)
    wick = np.floor(np.abs(rng.normal(0, daily_sigma / np.sqrt(375) * 0.6, (2, day_of.size)))
                    * close_t).astype(np.int64)
    high_t = np.maximum(open_t, close_t) + wick[0]
    low_t = np.maximum(np.minimum(open_t, close_t) - wick[1], 1)
    m = mult[day_of]
    shape = 1.0 + 1.5 * ((np.arange(day_of.size) - first[day_of]) / sizes[day_of] * 2 - 1) ** 2
    day_volume = 3e6 * np.sqrt(1000 / ref_inr) * rng.lognormal(0, 0.3, len(grids)) * sizes / 375
    volume = rng.poisson(day_volume[day_of] * shape / np.add.reduceat(shape, first)[day_of] / m)
    minute = {"ts": np.concatenate(grids), "open": open_t * m, "high": high_t * m, "low": low_t * m,
              "close": close_t * m, "volume": volume.astype(np.int64)}
    daily = aggregate_sorted(day_of, (minute["open"], minute["high"], minute["low"], minute["close"],
                                      minute["volume"]))
    prev = np.r_[daily["open"][0], np.round(daily["close"][:-1] * mult[1:] / mult[:-1])]
    return SymbolPath(symbol, minute, daily, prev.astype(np.int64))


def _grids(days: list[date]) -> list[np.ndarray]:
    from vyapari.market.calendar import get_calendar

    cal = get_calendar("NSE")
    return [cal.minute_grid(d).tz_convert("UTC").tz_localize(None).as_unit("ns").asi8 for d in days]


def sample_sessions(sessions: int, end: date) -> list[date]:
    """The last ``sessions`` NSE sessions up to ``end`` inclusive, oldest first."""
    from vyapari.market.calendar import get_calendar

    if sessions <= 0:
        raise InvalidInput("sessions", f"must be positive, got {sessions}")
    return [s.session_date for s in get_calendar("NSE").sessions_before(end + timedelta(days=1), sessions)]


def action_dates(days: list[date]) -> dict[str, tuple[date, int]]:
    """Ex-date and integer share ratio of the sample's splits and bonuses."""
    out: dict[str, tuple[date, int]] = {}
    for symbol, purpose, where in SAMPLE_ACTIONS:
        ex = days[min(len(days) - 1, max(1, int(where * len(days))))]
        for action in parse_purpose(symbol, ex, purpose):
            if action.kind in (ActionKind.SPLIT, ActionKind.BONUS) and action.ratio is not None:
                out[symbol] = (ex, int(action.ratio))
    return out


def generate_sample(out: str | Path, sessions: int = 30, end: date | None = None,
                    seed: int = 7) -> SampleSummary:
    """Write the sample data set under ``out`` (see the module docstring); returns what was written."""
    from vyapari.core.time import IST

    end = end or pd.Timestamp.now(tz=IST).date()
    days = sample_sessions(sessions, end)
    grids = _grids(days)
    ex_dates = action_dates(days)
    rng = np.random.default_rng(seed)
    paths = {sym: simulate(rng, sym, ref, grids, _ratios(sym, days, ex_dates))
             for sym, ref in NIFTY50.items()}
    summary = SampleSummary(Path(out), days)
    for i, day in enumerate(days):
        summary.files += write_nse_day(summary.out, day, i, paths)
        summary.files.append(write_bse_udiff(summary.out, day, i, {s: paths[s] for s in SENSEX}))
    summary.files.append(write_corporate_actions(summary.out, days))
    for symbol, sym_path in paths.items():
        summary.files.append(write_minute(summary.out, symbol, sym_path.minute))
    return summary
