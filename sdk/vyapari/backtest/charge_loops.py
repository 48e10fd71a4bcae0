"""The numba loops of :func:`vyapari.backtest.charge_kernel.netted_charges` (arrays in, ₹ out).

Called through :func:`vyapari.core.aot.kernel` (compiled ahead of time, else numba's JIT); see
:mod:`vyapari.backtest.charge_kernel` for the netting rule they implement.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _brokerage(rule: np.ndarray, turnover: float) -> float:
    if rule[0] > 0:
        by_rate = rule[1] * turnover
        return min(rule[3], by_rate) if rule[2] > 0 else by_rate
    return rule[3] if rule[2] > 0 else 0.0


@njit(cache=True)
def _order_items(
    iv: float,
    cv: float,
    buy: bool,
    ri: np.ndarray,
    rc: np.ndarray,
    rule: np.ndarray,
    exact_stt: bool,
    include_ipft: bool,
    gst_on_ipft: bool,
) -> np.ndarray:
    out = np.zeros(8)
    s = 0 if buy else 1
    stt = iv * ri[s] + cv * rc[s]
    if not exact_stt:
        stt = np.floor(stt + 0.5 + (1e-9 + 1e-15 * abs(stt)))
    txn = iv * ri[2] + cv * rc[2]
    ipft = iv * ri[3] + cv * rc[3] if include_ipft else 0.0
    sebi = iv * ri[4] + cv * rc[4]
    brokerage = _brokerage(rule, iv + cv)
    base = brokerage + sebi + txn + (ipft if gst_on_ipft else 0.0)
    out[0] = brokerage
    out[1] = stt
    out[2] = txn
    out[3] = ipft
    out[4] = sebi
    out[5] = iv * ri[5] + cv * rc[5] if buy else 0.0
    out[6] = base * rc[6]
    return out


@njit(cache=True)
def netted(  # noqa: C901, PLR0912, PLR0915 - one loop, the book's rule step by step
    n: np.ndarray,
    session: np.ndarray,
    order: np.ndarray,
    qty: np.ndarray,
    price: np.ndarray,
    ri: np.ndarray,
    rc: np.ndarray,
    rule_intraday: np.ndarray,
    rule_segment: np.ndarray,
    exact_stt: bool,
    include_ipft: bool,
    gst_on_ipft: bool,
    dp: float,
    carries: bool,
    cash: bool,
    n_count: int,
    m_count: int,
) -> np.ndarray:
    k_count = qty.shape[0]
    out = np.zeros((k_count, 8))
    # fills of each column, in booking order
    inst = np.argsort(n, kind="mergesort")
    rank = np.empty(k_count, dtype=np.int64)
    for p in range(k_count):
        rank[inst[p]] = p
    rem = np.zeros(k_count, dtype=np.int64)
    cur_day = np.full(n_count, -1, dtype=np.int64)
    head = np.zeros(n_count, dtype=np.int64)
    dstart = np.zeros(n_count, dtype=np.int64)
    matched = np.zeros(n_count, dtype=np.int64)
    net = np.zeros(n_count, dtype=np.int64)
    o_day = np.full(m_count, -1, dtype=np.int64)
    o_n = np.full(m_count, -1, dtype=np.int64)
    o_buy = np.zeros(m_count, dtype=np.bool_)
    o_iv = np.zeros(m_count)
    o_cv = np.zeros(m_count)
    o_items = np.zeros((m_count, 8))
    seen = np.full(m_count, -1, dtype=np.int64)
    changed = np.empty(k_count + 1, dtype=np.int64)
    for i in range(k_count):
        c = n[i]
        if cur_day[c] != session[i]:
            cur_day[c] = session[i]
            head[c] = rank[i]
            dstart[c] = rank[i]
            matched[c] = 0
            net[c] = 0
        o = order[i]
        if o_day[o] != session[i] or o_n[o] != c:
            o_day[o] = session[i]
            o_n[o] = c
            o_buy[o] = qty[i] > 0
            o_iv[o] = 0.0
            o_cv[o] = 0.0
            o_items[o, :] = 0.0
        buy = qty[i] > 0
        brk_before = cash and (matched[c] > 0 or not carries)
        dp_before = carries and cash and net[c] < 0
        left = abs(qty[i])
        own_matched = 0.0
        n_changed = 0
        changed[n_changed] = o
        n_changed += 1
        seen[o] = i
        if cash:
            p = head[c]
            while left > 0 and p < rank[i]:
                j = inst[p]
                if rem[j] == 0:
                    p += 1
                    continue
                if (qty[j] > 0) == buy:
                    break
                take = min(left, rem[j])
                oj = order[j]
                value = price[j] * take
                o_iv[oj] += value
                o_cv[oj] -= value
                if seen[oj] != i:
                    seen[oj] = i
                    changed[n_changed] = oj
                    n_changed += 1
                rem[j] -= take
                left -= take
                matched[c] += take
                own_matched += price[i] * take
                if rem[j] == 0:
                    p += 1
            head[c] = p
            rem[i] = left
        net[c] += qty[i]
        o_iv[o] += own_matched
        o_cv[o] += price[i] * left
        brk_after = cash and (matched[c] > 0 or not carries)
        if brk_after != brk_before:
            for p in range(dstart[c], rank[i] + 1):
                oj = order[inst[p]]
                if seen[oj] != i:
                    seen[oj] = i
                    changed[n_changed] = oj
                    n_changed += 1
        rule = rule_intraday if brk_after else rule_segment
        for q in range(n_changed):
            oc = changed[q]
            new = _order_items(
                o_iv[oc], o_cv[oc], o_buy[oc], ri[i], rc[i], rule, exact_stt, include_ipft, gst_on_ipft
            )
            for col in range(8):
                out[i, col] += new[col] - o_items[oc, col]
                o_items[oc, col] = new[col]
        dp_after = carries and cash and net[c] < 0
        if dp_after and not dp_before:
            out[i, 7] += dp
        elif dp_before and not dp_after:
            out[i, 7] -= dp
    return out
