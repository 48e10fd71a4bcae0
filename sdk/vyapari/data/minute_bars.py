"""Minute bars from ticks, resampling, and relabelling of vendor bars (all vectorised numpy).

Conventions: a bar is labelled by its **start** instant in IST and covers ``[start, start + interval)``;
only ticks inside a session's ``[open, close)`` make bars; resampled bars are anchored on the session
open (09:15 for a regular session, so 60-minute bars start 09:15, 10:15 … and the last is 15:15–15:30).
Prices in ₹, volume in shares.

The kernels (:func:`aggregate_sorted`, :func:`ticks_to_bars_kernel`, :func:`resample_kernel`) take and
return arrays only (int64 UTC epoch nanoseconds for instants); the wrappers validate and build frames.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from vyapari.core.errors import DataError, InvalidInput
from vyapari.core.time import IST

NS_PER_MINUTE = 60_000_000_000
BAR_FIELDS = ("open", "high", "low", "close", "volume")
_INTERVAL = re.compile(r"^(\d+)(m|min|h|d)$")


def parse_interval(text: str) -> int:
    """Minutes in an interval such as ``1m``, ``5m``, ``15min``, ``1h``; ``0`` means daily (``1d``)."""
    match = _INTERVAL.match(text.strip().lower())
    if not match or int(match.group(1)) <= 0:
        raise InvalidInput("interval", f"{text!r} is not an interval like 1m, 5m, 15m, 60m, 1h or 1d")
    value, unit = int(match.group(1)), match.group(2)
    if unit == "d":
        if value != 1:
            raise InvalidInput("interval", "only 1d is supported for daily bars")
        return 0
    return value * 60 if unit == "h" else value


Ohlcv = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def aggregate_sorted(labels: np.ndarray, ohlcv: Ohlcv) -> dict[str, np.ndarray]:
    """OHLCV per run of equal ``labels`` (``labels`` must be non-decreasing).

    ``ohlcv`` is ``(open, high, low, close, volume)`` per input row (for ticks, the price four times).
    Returns a dict with ``label`` and the five bar fields, one entry per distinct label.
    """
    price_open, price_high, price_low, price_close, volume = ohlcv
    if len(labels) == 0:
        return {"label": labels[:0], **{k: np.empty(0) for k in BAR_FIELDS}}
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    ends = np.r_[starts[1:], len(labels)] - 1
    return {
        "label": labels[starts],
        "open": price_open[starts],
        "high": np.maximum.reduceat(price_high, starts),
        "low": np.minimum.reduceat(price_low, starts),
        "close": price_close[ends],
        "volume": np.add.reduceat(volume, starts),
    }


def session_index(ts_ns: np.ndarray, open_ns: np.ndarray, close_ns: np.ndarray) -> np.ndarray:
    """Index of the session containing each instant (``[open, close)``), ``-1`` outside all sessions."""
    idx = np.searchsorted(open_ns, ts_ns, side="right") - 1
    inside = idx >= 0
    inside[inside] = ts_ns[inside] < close_ns[idx[inside]]
    return np.where(inside, idx, -1)


def ticks_to_bars_kernel(ts_ns: np.ndarray, price: np.ndarray, qty: np.ndarray,
                         open_ns: np.ndarray, close_ns: np.ndarray) -> dict[str, np.ndarray]:
    """1-minute bars (label = bar start, UTC epoch ns) from ticks, keeping only in-session ticks.

    Ticks need not be sorted (a stable sort is applied when they are not).
    """
    if len(ts_ns) > 1 and bool(np.any(ts_ns[1:] < ts_ns[:-1])):
        order = np.argsort(ts_ns, kind="stable")
        ts_ns, price, qty = ts_ns[order], price[order], qty[order]
    keep = session_index(ts_ns, open_ns, close_ns) >= 0
    if not keep.all():
        ts_ns, price, qty = ts_ns[keep], price[keep], qty[keep]
    labels = ts_ns - (ts_ns - open_ns[0]) % NS_PER_MINUTE if len(open_ns) else ts_ns
    return aggregate_sorted(labels, (price, price, price, price, qty))


def resample_kernel(ts_ns: np.ndarray, ohlcv: Ohlcv, minutes: int, *, open_ns: np.ndarray,
                    close_ns: np.ndarray) -> dict[str, np.ndarray]:
    """Bars of ``minutes`` anchored on each session's open, from sorted start-labelled bars."""
    sess = session_index(ts_ns, open_ns, close_ns)
    keep = sess >= 0
    base = open_ns[sess[keep]]
    step = minutes * NS_PER_MINUTE
    labels = base + (ts_ns[keep] - base) // step * step
    o, h, low, c, v = ohlcv
    return aggregate_sorted(labels, (o[keep], h[keep], low[keep], c[keep], v[keep]))


def _bounds(exchange: str, first: date, last: date) -> tuple[np.ndarray, np.ndarray]:
    from vyapari.market.calendar import get_calendar

    _, open_ns, close_ns = get_calendar(exchange).session_bounds(first, last)
    return open_ns, close_ns


def _ns(ts: pd.Series, name: str) -> np.ndarray:
    if not isinstance(ts.dtype, pd.DatetimeTZDtype):
        raise DataError(f"{name}: timestamps must be tz-aware (got {ts.dtype})")
    return ts.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view(np.int64)


def _frame(out: dict[str, np.ndarray]) -> pd.DataFrame:
    ts = pd.to_datetime(out["label"].astype(np.int64), utc=True).tz_convert(IST)
    frame = pd.DataFrame({"ts": ts, **{k: out[k] for k in BAR_FIELDS}})
    frame["volume"] = frame["volume"].astype(np.int64)
    return frame


def build_minute_bars(ticks: pd.DataFrame, exchange: str = "NSE") -> pd.DataFrame:
    """1-minute OHLCV bars (``ts`` tz-aware IST, bar start) from ticks ``ts, price, qty``.

    Ticks outside the exchange's sessions (pre-open, after close, holidays) are ignored.
    """
    missing = {"ts", "price", "qty"} - set(ticks.columns)
    if missing:
        raise DataError(f"ticks: missing columns {sorted(missing)}")
    if ticks.empty:
        empty = np.empty(0)
        return _frame(aggregate_sorted(np.empty(0, np.int64), (empty, empty, empty, empty, empty)))
    ts_ns = _ns(ticks["ts"], "ticks.ts")
    local = ticks["ts"].dt.tz_convert(IST)
    open_ns, close_ns = _bounds(exchange, local.min().date(), local.max().date())
    out = ticks_to_bars_kernel(ts_ns, ticks["price"].to_numpy(np.float64), ticks["qty"].to_numpy(np.float64),
                               open_ns, close_ns)
    return _frame(out)


def resample_bars(bars: pd.DataFrame, interval: str | int, exchange: str = "NSE") -> pd.DataFrame:
    """Resample start-labelled bars to ``interval`` minutes (3, 5, 15, 30, 60 …), anchored on the open."""
    minutes = parse_interval(interval) if isinstance(interval, str) else int(interval)
    if minutes <= 1 or bars.empty:
        return bars.reset_index(drop=True)
    local = bars["ts"].dt.tz_convert(IST)
    open_ns, close_ns = _bounds(exchange, local.min().date(), local.max().date())
    o, h, low, c, v = (bars[k].to_numpy(np.float64) for k in BAR_FIELDS)
    out = resample_kernel(_ns(bars["ts"], "bars.ts"), (o, h, low, c, v), minutes,
                          open_ns=open_ns, close_ns=close_ns)
    return _frame(out)


def end_to_start(bars: pd.DataFrame, minutes: int = 1) -> pd.DataFrame:
    """Relabel vendor bars stamped with their END minute to the project's START convention.

    Example: a vendor's 09:16 bar (covering 09:15–09:16) becomes the 09:15 bar.
    """
    out = bars.copy()
    out["ts"] = out["ts"] - pd.Timedelta(minutes=minutes)
    return out
