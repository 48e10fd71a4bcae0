"""numba state machines of the reference strategies (arrays in, weights out, past data only)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def vwap_reversion_weights(  # noqa: C901 - one pass per column
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray,
    valid: np.ndarray,
    session: np.ndarray,
    minute: np.ndarray,
    k: float,
    lookback: int,
    volume_mult: float,
    stop_frac: float,
    entry_cutoff: int,
    allow_short: bool,
) -> np.ndarray:
    """Weights ``[T, N]`` of the VWAP mean-reversion strategy (see ``vwap_reversion``)."""
    t_count, n_count = close.shape
    out = np.zeros((t_count, n_count))
    for n in range(n_count):
        pv = 0.0
        vv = 0.0
        dev = np.zeros(lookback)
        vols = np.zeros(lookback)
        seen = 0
        state = 0.0
        entry = 0.0
        last_session = -1
        for t in range(t_count):
            if not valid[t, n]:
                out[t, n] = state
                continue
            if session[t] != last_session:  # a new session: VWAP and statistics restart
                pv, vv, seen, state, last_session = 0.0, 0.0, 0, 0.0, session[t]
            price = close[t, n]
            typical = (high[t, n] + low[t, n] + price) / 3.0
            pv += typical * volume[t, n]
            vv += volume[t, n]
            vwap = pv / vv if vv > 0 else price
            d = price - vwap
            dev[seen % lookback] = d
            vols[seen % lookback] = volume[t, n]
            seen += 1
            if state != 0.0:
                crossed = (state > 0 and price >= vwap) or (state < 0 and price <= vwap)
                stopped = (state > 0 and price <= entry * (1 - stop_frac)) or (
                    state < 0 and price >= entry * (1 + stop_frac)
                )
                if crossed or stopped:
                    state = 0.0
            elif seen >= lookback and minute[t] < entry_cutoff:
                mean = dev.mean()
                sd = np.sqrt(((dev - mean) ** 2).mean())
                loud = volume[t, n] >= volume_mult * vols.mean()
                if sd > 0 and loud:
                    z = d / sd
                    if z <= -k:
                        state, entry = 1.0, price
                    elif z >= k and allow_short:
                        state, entry = -1.0, price
            out[t, n] = state
    return out


@njit(cache=True)
def orb_weights(  # noqa: C901 - one pass per column
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    valid: np.ndarray,
    session: np.ndarray,
    minute: np.ndarray,
    range_minutes: int,
    atr_len: int,
    atr_filter: float,
    atr_stop: float,
    entry_cutoff: int,
    allow_short: bool,
) -> np.ndarray:
    """Weights ``[T, N]`` of the opening-range breakout strategy (see ``orb_momentum``)."""
    open_minute = 9 * 60 + 15
    t_count, n_count = close.shape
    out = np.zeros((t_count, n_count))
    for n in range(n_count):
        trs = np.zeros(atr_len)
        seen = 0
        prev_close = np.nan
        state = 0.0
        stop = 0.0
        hi = -np.inf
        lo = np.inf
        traded = False
        last_session = -1
        for t in range(t_count):
            if not valid[t, n]:
                out[t, n] = state
                continue
            if session[t] != last_session:
                hi, lo, traded, state, last_session = -np.inf, np.inf, False, 0.0, session[t]
            h, lw, c = high[t, n], low[t, n], close[t, n]
            tr = h - lw if np.isnan(prev_close) else max(h - lw, abs(h - prev_close), abs(lw - prev_close))
            trs[seen % atr_len] = tr
            seen += 1
            prev_close = c
            atr = trs.mean() if seen >= atr_len else np.nan
            if minute[t] < open_minute + range_minutes:
                hi = max(hi, h)
                lo = min(lo, lw)
            elif state != 0.0:
                if (state > 0 and c <= stop) or (state < 0 and c >= stop):
                    state = 0.0
            elif not traded and not np.isnan(atr) and minute[t] < entry_cutoff and hi > lo:
                if c > hi and c - hi >= atr_filter * atr:
                    state, stop, traded = 1.0, c - atr_stop * atr, True
                elif allow_short and c < lo and lo - c >= atr_filter * atr:
                    state, stop, traded = -1.0, c + atr_stop * atr, True
            out[t, n] = state
    return out


@njit(cache=True)
def zscore_positions(z: np.ndarray, entry: float, exit_: float) -> np.ndarray:
    """Spread position ``[T]``: +1 (long spread) when z ≤ −entry, −1 when z ≥ entry, 0 when |z| ≤ exit."""
    out = np.zeros(z.shape[0])
    state = 0.0
    for t in range(z.shape[0]):
        v = z[t]
        if np.isnan(v):
            out[t] = state
            continue
        if state == 0.0:
            if v <= -entry:
                state = 1.0
            elif v >= entry:
                state = -1.0
        elif abs(v) <= exit_ or (state > 0 and v >= entry) or (state < 0 and v <= -entry):
            state = 0.0
        out[t] = state
    return out
