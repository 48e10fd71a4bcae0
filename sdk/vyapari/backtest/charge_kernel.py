"""The array twin of :class:`vyapari.costs.netting.ChargeBook`: netted charges of kernel fills.

:func:`netted_charges` gives each fill's itemised charges (₹, float64) with exactly the book's
rule: fills of one (column, session) matched first in, first out; unmatched quantity charged by
the product's segment; brokerage per order on its whole turnover, intraday on every order of a
scrip-day once it has intraday quantity; DP once per scrip-day that ends net-sold of delivery
shares; a fill books the change it makes to its scrip-day's total. The Indian models (possibly
scaled) run in numba (:mod:`vyapari.backtest.charge_loops`, compiled ahead of
time); any other fee model runs through the Decimal book itself, fill by fill.
Property-tested against the book in ``tests/property/test_netting_twin.py``.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from vyapari.core.aot import kernel
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
    out = kernel("netted")(
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
