"""Small numba loops behind the SDK's array helpers (arrays in, arrays out)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def forward_fill_2d(values: np.ndarray) -> np.ndarray:
    """Carry the last non-NaN value down each column (leading NaNs stay NaN)."""
    t_count, n_count = values.shape
    out = np.empty_like(values)
    last = np.full(n_count, np.nan)
    for t in range(t_count):
        for n in range(n_count):
            v = values[t, n]
            if not np.isnan(v):
                last[n] = v
            out[t, n] = last[n]
    return out


@njit(cache=True)
def hold_sized(weights: np.ndarray, rows: np.ndarray, cols: np.ndarray, sized: np.ndarray) -> np.ndarray:
    """Targets ``[T, N]``: ``sized[k]`` from change point ``(rows[k], cols[k])`` until the next one."""
    t_count, n_count = weights.shape
    out = np.zeros((t_count, n_count), dtype=np.int64)
    cur = np.zeros(n_count, dtype=np.int64)
    k = 0
    k_count = rows.shape[0]
    for t in range(t_count):
        while k < k_count and rows[k] == t:
            cur[cols[k]] = sized[k]
            k += 1
        out[t] = cur
    return out


@njit(cache=True)
def crossover_state_2d(fast: np.ndarray, slow: np.ndarray) -> np.ndarray:
    """1.0 after a cross-up of ``fast`` over ``slow``, 0.0 after a cross-down (0 before any)."""
    t_count, n_count = fast.shape
    out = np.zeros((t_count, n_count))
    state = np.zeros(n_count)
    for t in range(1, t_count):
        for n in range(n_count):
            f, s, pf, ps = fast[t, n], slow[t, n], fast[t - 1, n], slow[t - 1, n]
            if f > s and pf <= ps:
                state[n] = 1.0
            elif f < s and pf >= ps:
                state[n] = 0.0
        out[t] = state
    return out
