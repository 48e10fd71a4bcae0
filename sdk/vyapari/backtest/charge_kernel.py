"""The array twin of :class:`vyapari.costs.netting.ChargeBook`: netted charges of kernel fills.

:func:`netted_charges` gives each fill's itemised charges (₹, float64) with exactly the book's
rule: fills of one (column, session) matched first in, first out; unmatched quantity charged by
the product's segment; brokerage per order on its whole turnover, intraday on every order of a
scrip-day once it has intraday quantity; DP once per scrip-day that ends net-sold of delivery
shares; a fill books the change it makes to its scrip-day's total. The Indian models (possibly
scaled) run in numba; any other fee model runs through the Decimal book itself, fill by fill.
Property-tested against the book in ``tests/property/test_netting_twin.py``.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from numba import njit

from vyapari.costs.base import FeeModel, NoFees
from vyapari.costs.indian import IndianEquityFees
from vyapari.costs.netting import CASH_SEGMENTS, ChargeBook
from vyapari.costs.regimes import segment_schedule
from vyapari.costs.scaled import ScaledFees
from vyapari.model.charges import NO_CHARGES
from vyapari.model.enums import Exchange, Segment, Side

ITEMS = tuple(NO_CHARGES.as_dict())
"""Item names of the output columns, in :class:`~vyapari.model.charges.Charges` order."""

_RATES = ("stt_buy", "stt_sell", "exchange_txn", "ipft", "sebi_fee", "stamp_buy", "gst")


def _rule(model: IndianEquityFees, segment: Segment) -> np.ndarray:
    rule = model.brokerage.rule(segment)
    return np.array(
        [
            rule.rate is not None,
            float(rule.rate or 0),
            rule.cap_inr is not None,
            float(rule.cap_inr or 0),
        ]
    )


def _unscaled(fees: FeeModel) -> tuple[IndianEquityFees | None, float]:
    factor = 1.0
    while isinstance(fees, ScaledFees):
        factor *= float(Decimal(repr(fees.factor)))
        fees = fees.base
    return (fees, factor) if isinstance(fees, IndianEquityFees) else (None, factor)


def _base(fees: FeeModel) -> FeeModel:
    while isinstance(fees, ScaledFees):
        fees = fees.base
    return fees


def _rates(exchange: Exchange, segment: Segment, dates: np.ndarray) -> np.ndarray:
    schedule = segment_schedule(exchange, segment)
    idx = schedule.regime_index(dates)
    arrays = schedule.rate_arrays()
    return np.stack([arrays[name][idx] for name in _RATES], axis=1)


def netted_charges(
    fees: FeeModel,
    exchange: Exchange,
    segment: Segment,
    n: np.ndarray,
    session: np.ndarray,
    dates: np.ndarray,
    order: np.ndarray,
    qty: np.ndarray,
    price: np.ndarray,
) -> np.ndarray:
    """``[K, 8]`` itemised charges (₹) of fills in booking order (columns :data:`ITEMS`).

    Parameters: ``n`` column, ``session`` session index, ``dates`` its ``datetime64[D]`` date,
    ``order`` order index, ``qty`` signed units, ``price`` ₹ per unit of each fill.
    """
    k = len(qty)
    if k == 0:
        return np.zeros((0, len(ITEMS)))
    if type(_base(fees)) is NoFees:  # the book charges every fill nothing
        return np.zeros((k, len(ITEMS)))
    model, factor = _unscaled(fees)
    if model is None:
        return _through_book(fees, exchange, segment, n, dates, order, qty, price)
    cash = segment in CASH_SEGMENTS
    rc = _rates(exchange, segment, dates)
    ri = _rates(exchange, Segment.INTRADAY, dates) if cash else rc
    out = _netted(
        np.asarray(n, dtype=np.int64),
        np.asarray(session, dtype=np.int64),
        np.asarray(order, dtype=np.int64),
        np.asarray(qty, dtype=np.int64),
        np.asarray(price, dtype=np.float64),
        ri,
        rc,
        _rule(model, Segment.INTRADAY),
        _rule(model, segment),
        model.exact_stt,
        model.include_ipft,
        model.gst_on_ipft,
        float(model.dp_per_scrip_day),
        segment is Segment.DELIVERY,
        cash,
        int(np.max(n)) + 1,
        int(np.max(order)) + 1,
    )
    if not model.exact_stt:  # STT increments are whole rupees: clean the float residue
        out[:, 1] = np.round(out[:, 1])
    return out * factor


def _through_book(
    fees: FeeModel,
    exchange: Exchange,
    segment: Segment,
    n: np.ndarray,
    dates: np.ndarray,
    order: np.ndarray,
    qty: np.ndarray,
    price: np.ndarray,
) -> np.ndarray:
    """Any other fee model: the Decimal book, fill by fill (prices to the paisa as booked)."""
    book = ChargeBook(fees)
    out = np.zeros((len(qty), len(ITEMS)))
    for i in range(len(qty)):
        side = Side.BUY if qty[i] > 0 else Side.SELL
        day = dates[i].astype("datetime64[D]").item()
        price_i = Decimal(repr(float(price[i])))
        c = book.book(int(n[i]), exchange, day, segment, int(order[i]), side, abs(int(qty[i])), price_i)
        out[i] = [float(v) for v in c.as_dict().values()]
    return out


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
def _netted(  # noqa: C901, PLR0912, PLR0915 - one loop, the book's rule step by step
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
