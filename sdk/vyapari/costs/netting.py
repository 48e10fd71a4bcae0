"""Charges as the contract note has them: fills netted per (account, scrip, session).

The exchange does not know CNC from MIS. For each scrip and session it nets the account's buys
and sells: the quantity bought *and* sold that day is intraday (STT on the sell side only, stamp
duty at the intraday rate, intraday brokerage on every order of that scrip-day, no DP); only the
rest, carried overnight or sold from holdings, is delivery, and DP is charged once per scrip-day
on which delivery shares leave the demat.

:class:`ChargeBook` is the one implementation of that rule. Fills are matched first in, first
out (a buy against the day's earliest unmatched sell, and the other way round), each at its own
price. Quantity not yet matched is provisionally charged by the product's segment (carried:
delivery for CNC, intraday for MIS). A fill's charges are the **change it makes to its
scrip-day's contract-note charges**: a sell that turns a same-day delivery buy into intraday
books the buy's adjustment (its STT and stamp refunded down to the intraday rates, intraday
brokerage) then, so a session's booked charges always add up to its contract note, and do not
depend on the engine path or broker that produced the fills. ``order_charges`` gives each
order's final charges (what a broker's per-order contract note shows) for reconciliation.

Amounts are ₹ (Decimal). The array twin for the backtest kernel is
:func:`vyapari.costs.netting_kernel.netted_charges`.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from vyapari.core.money import ZERO
from vyapari.costs.base import FeeModel, NoFees
from vyapari.model.charges import NO_CHARGES, Charges
from vyapari.model.enums import Exchange, Segment, Side

CASH_SEGMENTS = (Segment.DELIVERY, Segment.INTRADAY)
_MINUS_ONE = Decimal(-1)


@dataclass(frozen=True, slots=True)
class OrderDay:
    """One order's trades in one scrip-day: side, and its turnover (₹) matched intraday and not."""

    side: Side
    intraday_value: Decimal = ZERO
    carried_value: Decimal = ZERO
    charges: Charges = NO_CHARGES


@dataclass(frozen=True, slots=True)
class _Lot:
    """Unmatched quantity of one fill: its order, units left and price (₹)."""

    order: Hashable
    quantity: int
    price: Decimal


@dataclass(frozen=True, slots=True)
class ScripDay:
    """The state of one (scrip, session): orders, unmatched lots (all of one side) and totals."""

    exchange: Exchange
    day: date
    segment: Segment
    orders: dict[Hashable, OrderDay] = field(default_factory=dict)
    queue: tuple[_Lot, ...] = ()
    matched: int = 0
    dp: Decimal = ZERO
    _total: Charges | None = field(default=None, init=False, compare=False, repr=False)

    @property
    def carries(self) -> bool:
        """Unmatched quantity is delivery (the product is CNC)."""
        return self.segment is Segment.DELIVERY

    @property
    def brokerage_segment(self) -> Segment:
        """Intraday brokerage on every order once the day has intraday quantity (or for MIS)."""
        if self.segment in CASH_SEGMENTS and (self.matched > 0 or not self.carries):
            return Segment.INTRADAY
        return self.segment

    @property
    def total(self) -> Charges:
        """The scrip-day's contract-note charges so far, plus its DP charge (₹); summed once
        per state (a state is never changed, only replaced)."""
        if self._total is None:
            out = Charges(dp=self.dp)
            for order in self.orders.values():
                out = out + order.charges
            object.__setattr__(self, "_total", out)
            return out
        return self._total


def _minus(a: Charges, b: Charges) -> Charges:
    return a + b.scaled(_MINUS_ONE)


class ChargeBook:
    """Charges of fills netted per (scrip, session) with one fee model (see the module docstring).

    ``scrip`` is any key naming the instrument (a column, an instrument id); ``order`` a key
    naming the executed order (brokerage is per order, on the order's whole turnover).
    """

    def __init__(self, fees: FeeModel) -> None:
        self.fees = fees
        self.days: dict[tuple[Hashable, date], ScripDay] = {}
        # the last preview: (its state before, its arguments, its state after), so that booking
        # the fill just previewed (the engines' buying-power check, then the fill) steps once
        self._last: tuple[ScripDay | None, tuple[object, ...], ScripDay, ScripDay] | None = None
        # a model that charges nothing: every fill books NO_CHARGES; only the orders are kept
        self._free = type(fees) is NoFees
        self._free_orders: dict[Hashable, None] = {}

    def preview(
        self,
        scrip: Hashable,
        exchange: Exchange,
        day: date,
        segment: Segment,
        order: Hashable,
        side: Side,
        quantity: int,
        price: Decimal,
    ) -> Charges:
        """The charges a fill would book now (₹), without booking it."""
        if self._free:
            return NO_CHARGES
        booked = self.days.get((scrip, day))
        before = self._state(scrip, exchange, day, segment)
        after = self._step(before, order, side, quantity, price)
        self._last = (booked, (scrip, exchange, day, segment, order, side, quantity, price), before, after)
        return _minus(after.total, before.total)

    def book(
        self,
        scrip: Hashable,
        exchange: Exchange,
        day: date,
        segment: Segment,
        order: Hashable,
        side: Side,
        quantity: int,
        price: Decimal,
    ) -> Charges:
        """Book a fill and return its charges (₹): the change it makes to its scrip-day's total."""
        if self._free:
            self._free_orders[order] = None
            return NO_CHARGES
        last, self._last = self._last, None
        args = (scrip, exchange, day, segment, order, side, quantity, price)
        if last is not None and last[0] is self.days.get((scrip, day)) and last[1] == args:
            before, after = last[2], last[3]
        else:
            before = self._state(scrip, exchange, day, segment)
            after = self._step(before, order, side, quantity, price)
        self.days[(scrip, day)] = after
        return _minus(after.total, before.total)

    def order_charges(self) -> dict[Hashable, Charges]:
        """Each order's charges under the final classification of its scrip-day (no DP), ₹."""
        out: dict[Hashable, Charges] = dict.fromkeys(self._free_orders, NO_CHARGES)
        for sd in self.days.values():
            for key, order in sd.orders.items():
                out[key] = out.get(key, NO_CHARGES) + order.charges
        return out

    def dp_charges(self) -> dict[tuple[Hashable, date], Decimal]:
        """The DP charge (₹, GST included) of each scrip-day that has one."""
        return {key: sd.dp for key, sd in self.days.items() if sd.dp}

    # ----- the rule ---------------------------------------------------------------------------
    def _state(self, scrip: Hashable, exchange: Exchange, day: date, segment: Segment) -> ScripDay:
        sd = self.days.get((scrip, day))
        return sd if sd is not None else ScripDay(Exchange(exchange), day, Segment(segment))

    def _step(self, sd: ScripDay, order: Hashable, side: Side, quantity: int, price: Decimal) -> ScripDay:
        """``sd`` after a fill of ``quantity`` units at ``price`` ₹ of ``order`` on ``side``."""
        orders = dict(sd.orders)
        own = orders.get(order) or OrderDay(side)
        queue = list(sd.queue)
        left, matched_value, matched = quantity, ZERO, sd.matched
        changed = {order}
        if sd.segment in CASH_SEGMENTS:
            while left and queue and queue[0].quantity and _side_of(orders, queue[0]) is not side:
                lot = queue[0]
                take = min(left, lot.quantity)
                other = orders[lot.order]
                value = lot.price * take
                orders[lot.order] = replace(
                    other,
                    intraday_value=other.intraday_value + value,
                    carried_value=other.carried_value - value,
                )
                changed.add(lot.order)
                matched_value += price * take
                left -= take
                matched += take
                if take == lot.quantity:
                    queue.pop(0)
                else:
                    queue[0] = replace(lot, quantity=lot.quantity - take)
            if left:
                queue.append(_Lot(order, left, price))
        own = orders.get(order, own)
        orders[order] = replace(
            own,
            intraday_value=own.intraday_value + matched_value,
            carried_value=own.carried_value + price * left,
        )
        flips = sd.brokerage_segment
        new = replace(sd, orders=orders, queue=tuple(queue), matched=matched)
        if new.brokerage_segment is not flips:
            changed = set(orders)
        for key in changed:
            o = orders[key]
            orders[key] = replace(o, charges=self._priced(new, o))
        dp = ZERO
        if sd.carries and queue and _side_of(orders, queue[0]) is Side.SELL:
            dp = self.fees.dp_per_scrip_day
        return replace(new, dp=dp)

    def _priced(self, sd: ScripDay, o: OrderDay) -> Charges:
        return self.fees.order_charges(
            sd.exchange,
            sd.day,
            o.side,
            o.intraday_value,
            o.carried_value,
            sd.segment,
            sd.brokerage_segment,
        )


def _side_of(orders: dict[Hashable, OrderDay], lot: _Lot) -> Side:
    return orders[lot.order].side
