"""Array kernels of the backtest (numba): arrays in, arrays out, no pandas, no I/O.

Callers take them through :func:`vyapari.core.aot.kernel` (compiled ahead of time, else the JIT).

:func:`target_fills` turns a target-position matrix into market fills with exactly the
event loop's semantics (see :mod:`vyapari.backtest.event_loop`): per time slice, first
the fills at the open (MIS square-off, then orders pending from the previous bar), then
the strategy's new orders (filled at the close when ``same_close``), then the square-off
at the close; within each phase, symbols in column order.

:func:`account` books prices and charges into cash and the equity curve and checks the
buying-power rule on every risk-increasing fill, in the same order the event loop does.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vyapari.backtest.fill_refs import REF_CLOSE, REF_OPEN


@njit(cache=True)
def _push(buf: np.ndarray, count: int, row: np.ndarray) -> np.ndarray:
    if count >= buf.shape[0]:
        bigger = np.empty((buf.shape[0] * 2, buf.shape[1]), dtype=np.int64)
        bigger[:count] = buf[:count]
        buf = bigger
    buf[count] = row
    return buf


@njit(cache=True)
def _clip(want: int, pos: int, capleft: int, lot: int, no_short: bool) -> int:
    size = min(abs(want), (capleft // lot) * lot)
    q = size if want > 0 else -size
    if no_short and q < 0 and pos + q < 0:
        q = -max(pos, 0)
    return q


@njit(cache=True)
def _refused(q: int, want: int, pos: int, capleft: int, lot: int, no_short: bool) -> bool:
    """True when ``no_short`` refused a whole sell (nothing held) that the cap would let fill."""
    return no_short and q == 0 and want < 0 and pos <= 0 and capleft >= lot


@njit(cache=True)
def _lots(want: int, lot: int) -> int:
    return (abs(want) // lot) * lot * (1 if want > 0 else -1)


@njit(cache=True)
def _record(buf: np.ndarray, count: int, a: int, b: int, c: int, d: int, e: int) -> np.ndarray:
    """Append a row ``(a, b, c, d, e)`` to a fills or orders buffer (5 columns each)."""
    row = np.empty(buf.shape[1], dtype=np.int64)
    row[0], row[1], row[2], row[3], row[4] = a, b, c, d, e
    return _push(buf, count, row)


@njit(cache=True)
def _square_off(
    fills: np.ndarray, orders: np.ndarray, k: int, m: int, t: int, n: int, qty: int, ref: int
) -> tuple[np.ndarray, np.ndarray]:
    """Record a square-off order of ``qty`` and its fill at ``ref`` (rows ``m`` and ``k``)."""
    orders = _record(orders, m, t, n, qty, 1, 0)
    fills = _record(fills, k, t, n, qty, ref, m)
    return fills, orders


@njit(cache=True)
def target_fills(  # noqa: C901, PLR0912, PLR0915 - one loop mirroring the event loop phases
    target: np.ndarray,
    valid: np.ndarray,
    cap: np.ndarray,
    sq_open: np.ndarray,
    sq_close: np.ndarray,
    sq_after: np.ndarray,
    lot: np.ndarray,
    is_mis: bool,
    no_short: bool,
    same_close: bool,
    ratio: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Fills ``[K, 5]`` rows ``(t, n, signed qty, ref, order)`` (ref 0 = open, 1 = close) and
    orders ``[M, 5]`` rows ``(t, n, signed qty, kind, refused)`` (kind 0 = strategy, 1 = square-off;
    refused 1 when ``no_short`` refused a sell with nothing held, as the event loop rejects it).
    ``ratio[t, n]`` multiplies the position at the start of slice ``t`` (a split or bonus)."""
    t_count, n_count = target.shape
    pos = np.zeros(n_count, dtype=np.int64)
    pending = np.zeros(n_count, dtype=np.int64)
    order_of = np.full(n_count, -1, dtype=np.int64)
    capleft = np.zeros(n_count, dtype=np.int64)
    fills = np.empty((1024, 5), dtype=np.int64)
    orders = np.empty((1024, 5), dtype=np.int64)
    k = 0
    m = 0
    for t in range(t_count):
        for n in range(n_count):  # phase 0: splits and bonuses (open orders are cancelled)
            if ratio[t, n] != 1.0:
                pos[n] = int(pos[n] * ratio[t, n])
                pending[n] = 0
        for n in range(n_count):  # phase 1: square-off at the open, then pending orders
            if not valid[t, n]:
                continue
            capleft[n] = cap[t, n]
            if is_mis and sq_open[t, n]:
                pending[n] = 0
                if pos[n] != 0:
                    fills, orders = _square_off(fills, orders, k, m, t, n, -pos[n], REF_OPEN)
                    m += 1
                    k += 1
                    pos[n] = 0
            elif pending[n] != 0:
                q = _clip(pending[n], pos[n], capleft[n], lot[n], no_short)
                if _refused(q, pending[n], pos[n], capleft[n], lot[n], no_short):
                    orders[order_of[n], 4] = 1
                if q != 0:
                    fills = _record(fills, k, t, n, q, REF_CLOSE if same_close else REF_OPEN, order_of[n])
                    k += 1
                    pos[n] += q
                    capleft[n] -= abs(q)
        for n in range(n_count):  # phase 2: the strategy's new orders
            if not valid[t, n]:
                continue
            pending[n] = 0
            if is_mis and sq_after[t]:
                continue
            pending[n] = _lots(target[t, n] - pos[n], lot[n])
            if pending[n] == 0:
                continue
            orders = _record(orders, m, t, n, pending[n], 0, 0)
            order_of[n] = m
            m += 1
            if same_close:
                q = _clip(pending[n], pos[n], capleft[n], lot[n], no_short)
                if _refused(q, pending[n], pos[n], capleft[n], lot[n], no_short):
                    orders[order_of[n], 4] = 1
                if q != 0:
                    fills = _record(fills, k, t, n, q, REF_CLOSE, order_of[n])
                    k += 1
                    pos[n] += q
                    capleft[n] -= abs(q)
                    pending[n] -= q
        if is_mis:
            for n in range(n_count):  # phase 3: square-off at the close
                if valid[t, n] and sq_close[t, n]:
                    pending[n] = 0
                    if pos[n] != 0:
                        fills, orders = _square_off(fills, orders, k, m, t, n, -pos[n], REF_CLOSE)
                        m += 1
                        k += 1
                        pos[n] = 0
    return fills[:k].copy(), orders[:m].copy()


@njit(cache=True)
def realised_pnl(
    fill_t: np.ndarray, fill_n: np.ndarray, qty: np.ndarray, price: np.ndarray, ratio: np.ndarray
) -> np.ndarray:
    """Realised P&L in ₹ (gross of charges) of each fill, average-cost like ``Position.apply``;
    ``ratio[t, n]`` splits a position at the start of slice ``t`` (quantity ×, average ÷)."""
    n_count = ratio.shape[1]
    pos = np.zeros(n_count, dtype=np.int64)
    avg = np.zeros(n_count)
    out = np.zeros(qty.shape[0])
    done = -1
    for i in range(qty.shape[0]):
        while done < fill_t[i]:
            done += 1
            for m in range(n_count):
                if ratio[done, m] != 1.0:
                    pos[m] = int(pos[m] * ratio[done, m])
                    avg[m] = avg[m] / ratio[done, m] if pos[m] != 0 else 0.0
        n = fill_n[i]
        q = qty[i]
        p = price[i]
        if pos[n] == 0 or (pos[n] > 0) == (q > 0):
            avg[n] = (avg[n] * abs(pos[n]) + p * abs(q)) / abs(pos[n] + q)
            pos[n] += q
        else:
            closing = min(abs(q), abs(pos[n]))
            direction = 1 if pos[n] > 0 else -1
            out[i] = (p - avg[n]) * closing * direction
            pos[n] += q
            if pos[n] == 0:
                avg[n] = 0.0
            elif (pos[n] > 0) != (direction > 0):
                avg[n] = p
    return out


@njit(cache=True)
def _settle_actions(pos: np.ndarray, mark: np.ndarray, ratio: np.ndarray, dividend: np.ndarray) -> float:
    """Splits/bonuses (position × ratio, mark ÷ ratio) and dividends of one slice; returns the cash
    they credit (₹): dividends on the shares held, and a fractional share at the adjusted mark."""
    cash = 0.0
    for n in range(pos.shape[0]):
        if ratio[n] != 1.0 and pos[n] != 0:
            exact = pos[n] * ratio[n]
            whole = int(exact)
            mark[n] = mark[n] / ratio[n]
            cash += (exact - whole) * mark[n]
            pos[n] = whole
        if dividend[n] != 0.0:
            cash += pos[n] * dividend[n]
    return cash


@njit(cache=True)
def account(
    fills: np.ndarray,
    price: np.ndarray,
    charges: np.ndarray,
    close: np.ndarray,
    valid: np.ndarray,
    initial_cash: float,
    leverage: float,
    ratio: np.ndarray,
    dividend: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Equity ``[T]`` (₹, after each slice, positions at the last close), position matrix
    ``[T, N]`` and the index of the first fill that breaks buying power (-1 if none).

    Corporate actions at the start of slice ``t``: ``ratio`` multiplies positions (average and
    mark ÷ ratio, a fractional share paid in cash), ``dividend`` credits ₹ per share held.

    Buying power: after a fill that increases the absolute position, gross exposure
    Σ|qty × mark| must not exceed ``leverage`` × (cash + Σ qty × mark), marks being the
    fill price for the filled symbol and the last close (or fill) for the others.
    """
    t_count, n_count = close.shape
    pos = np.zeros(n_count, dtype=np.int64)
    mark = np.zeros(n_count)
    equity = np.empty(t_count)
    positions = np.zeros((t_count, n_count), dtype=np.int64)
    cash = initial_cash
    violation = -1
    i = 0
    k_count = fills.shape[0]
    for t in range(t_count):
        cash += _settle_actions(pos, mark, ratio[t], dividend[t])
        while i < k_count and fills[i, 0] == t:
            n = fills[i, 1]
            q = fills[i, 2]
            before = abs(pos[n])
            pos[n] += q
            cash -= q * price[i] + charges[i]
            mark[n] = price[i]
            if violation < 0 and abs(pos[n]) > before:
                gross = 0.0
                value = 0.0
                for m in range(n_count):
                    gross += abs(pos[m] * mark[m])
                    value += pos[m] * mark[m]
                if gross > leverage * (cash + value) + 1e-6:
                    violation = i
            i += 1
        value = 0.0
        for n in range(n_count):
            if valid[t, n]:
                mark[n] = close[t, n]
            value += pos[n] * mark[n]
            positions[t, n] = pos[n]
        equity[t] = cash + value
    return equity, positions, violation
