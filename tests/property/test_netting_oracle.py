"""The charge book's fast figures are the plain rule's, str() included, fill by fill.

The oracle below is the rule written the slow, obvious way: every fill re-nets its scrip-day
from scratch (all orders repriced with the fee model's statutory rates looked up afresh), and a
fill's charges are the difference of the day's contract-note totals before and after it. The
book (:class:`~vyapari.costs.netting.ChargeBook`) prices only what a fill changes, keeps its
state in place and pads to exponents it tracks; any slip in that shows as a different Decimal
(value or exponent) here.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from vyapari.costs import SimpleFees, UpstoxFees, ZerodhaFees
from vyapari.costs.base import FeeModel
from vyapari.costs.indian import IndianEquityFees
from vyapari.costs.netting import ChargeBook
from vyapari.costs.regimes import segment_schedule
from vyapari.costs.scaled import ScaledFees
from vyapari.model.charges import NO_CHARGES, Charges
from vyapari.model.enums import Exchange, Segment, Side

ZERO = Decimal(0)
DAYS = [date(2025, 9, 4), date(2025, 9, 5), date(2024, 6, 3)]  # two regimes
CASH = (Segment.DELIVERY, Segment.INTRADAY)


def reference_order_charges(
    fees: FeeModel,
    exchange: Exchange,
    day: date,
    side: Side,
    iv: Decimal,
    cv: Decimal,
    carried_segment: Segment,
    brokerage_segment: Segment,
) -> Charges:
    """An order's charges by the formulas of the Indian models (rates looked up each time)."""
    if isinstance(fees, ScaledFees):
        unscaled = reference_order_charges(
            fees.base, exchange, day, side, iv, cv, carried_segment, brokerage_segment
        )
        return unscaled.scaled(Decimal(repr(fees.factor)))
    if not isinstance(fees, IndianEquityFees):
        return fees.order_charges(exchange, day, side, iv, cv, carried_segment, brokerage_segment)
    c = segment_schedule(exchange, carried_segment).rates_on(day)
    i = segment_schedule(exchange, Segment.INTRADAY).rates_on(day) if iv else c
    stt = iv * i.stt(side) + cv * c.stt(side)
    txn = iv * i.exchange_txn + cv * c.exchange_txn
    ipft = iv * i.ipft + cv * c.ipft if fees.include_ipft else ZERO
    sebi = iv * i.sebi_fee + cv * c.sebi_fee
    brokerage = fees.brokerage.rule(brokerage_segment).brokerage(iv + cv)
    base = brokerage + sebi + txn + (ipft if fees.gst_on_ipft else ZERO)
    return Charges(
        brokerage,
        stt if fees.exact_stt else stt.quantize(Decimal(1), rounding=ROUND_HALF_UP),
        txn,
        ipft,
        sebi,
        iv * i.stamp_buy + cv * c.stamp_buy if side is Side.BUY else ZERO,
        base * c.gst,
    )


@dataclass
class _Order:
    side: Side
    iv: Decimal = ZERO
    cv: Decimal = ZERO
    charges: Charges = NO_CHARGES


@dataclass
class _Day:
    exchange: Exchange
    day: date
    segment: Segment
    fills: list[tuple[Hashable, Side, int, Decimal]] = field(default_factory=list)


class Oracle:
    """Re-nets a scrip-day from its fills on every fill; charges = difference of totals."""

    def __init__(self, fees: FeeModel) -> None:
        self.fees = fees
        self.days: dict[tuple[Hashable, date], _Day] = {}

    def _net(self, d: _Day) -> tuple[dict[Hashable, _Order], Decimal]:
        orders: dict[Hashable, _Order] = {}
        queue: list[list] = []  # [order, side, units left, price]
        matched = 0
        for key, side, quantity, price in d.fills:
            own = orders.setdefault(key, _Order(side))
            left, matched_value = quantity, ZERO
            if d.segment in CASH:
                while left and queue and queue[0][1] is not side:
                    lot = queue[0]
                    take = min(left, lot[2])
                    other = orders[lot[0]]
                    other.iv, other.cv = other.iv + lot[3] * take, other.cv - lot[3] * take
                    matched_value += price * take
                    left -= take
                    matched += take
                    lot[2] -= take
                    if not lot[2]:
                        queue.pop(0)
                if left:
                    queue.append([key, side, left, price])
            own.iv, own.cv = own.iv + matched_value, own.cv + price * left
        intraday = d.segment in CASH and (matched > 0 or d.segment is not Segment.DELIVERY)
        brokerage = Segment.INTRADAY if intraday else d.segment
        for o in orders.values():
            o.charges = reference_order_charges(
                self.fees, d.exchange, d.day, o.side, o.iv, o.cv, d.segment, brokerage
            )
        sells_carried = d.segment is Segment.DELIVERY and bool(queue) and queue[0][1] is Side.SELL
        return orders, self.fees.dp_per_scrip_day if sells_carried else ZERO

    def _total(self, d: _Day) -> Charges:
        orders, dp = self._net(d)
        out = Charges(dp=dp)
        for o in orders.values():
            out = out + o.charges
        return out

    def fill(
        self,
        book: bool,
        scrip: Hashable,
        exchange: Exchange,
        day: date,
        segment: Segment,
        order: Hashable,
        side: Side,
        quantity: int,
        price: Decimal,
    ) -> Charges:
        d = self.days.get((scrip, day)) or _Day(exchange, day, segment)
        after = replace(d, fills=[*d.fills, (order, side, quantity, price)])
        if book:
            self.days[(scrip, day)] = after
        return self._total(after) + self._total(d).scaled(Decimal(-1))

    def order_charges(self) -> dict[Hashable, Charges]:
        out: dict[Hashable, Charges] = {}
        for d in self.days.values():
            for key, o in self._net(d)[0].items():
                out[key] = out.get(key, NO_CHARGES) + o.charges
        return out

    def dp_charges(self) -> dict[tuple[Hashable, date], Decimal]:
        return {k: dp for k, d in self.days.items() if (dp := self._net(d)[1])}


def _as_str(c: Charges) -> tuple[str, ...]:
    return tuple(str(v) for v in c.as_dict().values())


paise = st.integers(1_000, 500_000)
prices = st.one_of(
    paise.map(lambda p: Decimal(p).scaleb(-2)),  # 12.34, 12.30, 12.00
    paise.map(lambda p: Decimal(repr(p / 100))),  # 12.34, 12.3, 12.0: as to_price books floats
    st.integers(10, 5_000).map(Decimal),  # 12
)
fills = st.lists(
    st.tuples(
        st.integers(0, 2),  # session
        st.integers(0, 1),  # scrip
        st.integers(0, 4),  # order
        st.integers(-400, 400).filter(bool),  # signed units
        prices,
        st.booleans(),  # previewed first, as the buying-power check does
        st.booleans(),  # previewed at another price and never booked
    ),
    min_size=1,
    max_size=30,
)
models = st.sampled_from(
    [
        ZerodhaFees(),
        UpstoxFees(),
        ZerodhaFees(exact_stt=True),
        UpstoxFees(include_ipft=False, include_dp=False),
        SimpleFees(Decimal(3)),
        ScaledFees(ZerodhaFees(), 0.37),
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    fills,
    models,
    st.sampled_from([Segment.DELIVERY, Segment.INTRADAY, Segment.FUTURES]),
    st.sampled_from([Exchange.NSE, Exchange.BSE]),
)
def test_book_equals_the_renetting_oracle_str_for_str(rows, fees, segment, exchange) -> None:
    rows = sorted(rows, key=lambda r: r[0])  # sessions never go back
    book, oracle = ChargeBook(fees), Oracle(fees)
    for day, scrip, order, units, price, previewed, elsewhere in rows:
        side = Side.BUY if units > 0 else Side.SELL
        args = (scrip, exchange, DAYS[day], segment, (day, scrip, order, side), side, abs(units), price)
        if elsewhere:
            other = (*args[:-1], price + 1)
            assert _as_str(book.preview(*other)) == _as_str(oracle.fill(False, *other))
        if previewed:
            assert _as_str(book.preview(*args)) == _as_str(oracle.fill(False, *args))
        assert _as_str(book.book(*args)) == _as_str(oracle.fill(True, *args))
    mine, theirs = book.order_charges(), oracle.order_charges()
    assert {k: _as_str(v) for k, v in mine.items()} == {k: _as_str(v) for k, v in theirs.items()}
    assert {k: str(v) for k, v in book.dp_charges().items()} == {
        k: str(v) for k, v in oracle.dp_charges().items()
    }
