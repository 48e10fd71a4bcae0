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

A fill costs O(the orders it changes), not O(the scrip-day's orders): the book keeps each
scrip-day's state in place, a fill's charges are the sum of the changes of the orders it reprices
(exact in Decimal: the same figures as differencing the day's totals, exponents included:
each scrip-day keeps its total per item, ``Σ orders`` from Decimal 0, whose exponent is the
least of its orders' and 0, and a fill's item is ``(total + change) - total``), each
scrip-day prices its orders with its fee model's pricer (rates looked up once,
:meth:`~vyapari.costs.base.FeeModel.order_pricer`), and :meth:`ChargeBook.book` reuses the plan of
the :meth:`~ChargeBook.preview` it follows. Amounts are ₹ (Decimal). The array twin for the backtest kernel is
:func:`vyapari.backtest.charge_kernel.netted_charges`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable
from dataclasses import fields
from datetime import date
from decimal import Decimal
from operator import add, sub

from vyapari.core.money import ZERO
from vyapari.costs.base import ChargeItems, FeeModel, OrderPricer
from vyapari.model.charges import NO_CHARGES, Charges
from vyapari.model.enums import Exchange, Segment, Side

CASH_SEGMENTS = (Segment.DELIVERY, Segment.INTRADAY)
_ITEMS = tuple(f.name for f in fields(Charges))
_ZEROS = (ZERO,) * len(_ITEMS)
_same_quantum = Decimal.same_quantum


class OrderDay:
    """One order's trades in one scrip-day: side, its turnover (₹) matched intraday and not, and
    its charges' items (₹, :data:`~vyapari.costs.base.ChargeItems`) as the day stands."""

    __slots__ = ("carried_value", "intraday_value", "items", "side")

    def __init__(
        self,
        side: Side,
        intraday_value: Decimal = ZERO,
        carried_value: Decimal = ZERO,
        items: ChargeItems = _ZEROS,
    ) -> None:
        self.side, self.intraday_value, self.carried_value, self.items = (
            side,
            intraday_value,
            carried_value,
            items,
        )

    @property
    def charges(self) -> Charges:
        """The order's charges (₹)."""
        return Charges(*self.items)


class _Lot:
    """Unmatched quantity of one fill: its order and side, units left and price (₹)."""

    __slots__ = ("order", "price", "quantity", "side")

    def __init__(self, order: Hashable, side: Side, quantity: int, price: Decimal) -> None:
        self.order, self.side, self.quantity, self.price = order, side, quantity, price


class ScripDay:
    """The state of one (scrip, session), kept in place: orders, unmatched lots (all of one side,
    oldest first), matched units and DP; ``pricer`` prices its orders
    (:meth:`~vyapari.costs.base.FeeModel.order_pricer`); ``sums`` is the orders' charges per
    item, summed from Decimal 0 (so its exponent is the least of theirs and 0); ``version``
    counts the fills booked."""

    __slots__ = (
        "carries",
        "cash",
        "day",
        "dp",
        "exchange",
        "matched",
        "orders",
        "pricer",
        "queue",
        "segment",
        "sums",
        "version",
    )

    def __init__(self, exchange: Exchange, day: date, segment: Segment, pricer: OrderPricer) -> None:
        self.exchange, self.day, self.segment, self.pricer = exchange, day, segment, pricer
        self.cash = segment in CASH_SEGMENTS  # fills of opposite sides match
        self.carries = segment is Segment.DELIVERY  # unmatched quantity is delivery (CNC)
        self.orders: dict[Hashable, OrderDay] = {}
        self.queue: deque[_Lot] = deque()
        self.matched = 0
        self.dp = ZERO
        self.sums: list[Decimal] = list(_ZEROS)
        self.version = 0

    def brokerage_segment_at(self, matched: int) -> Segment:
        """Intraday brokerage on every order once the day has intraday quantity (or for MIS)."""
        if self.cash and (matched > 0 or not self.carries):
            return Segment.INTRADAY
        return self.segment

    @property
    def brokerage_segment(self) -> Segment:
        """The brokerage segment of every order of the day as it stands."""
        return self.brokerage_segment_at(self.matched)

    @property
    def total(self) -> Charges:
        """The scrip-day's contract-note charges so far, plus its DP charge (₹)."""
        out = Charges(dp=self.dp)
        for order in self.orders.values():
            out = out + order.charges
        return out

    def apply(self, changed: dict[Hashable, OrderDay], sums: list[Decimal] | None) -> None:
        """Replace the orders in ``changed``; ``sums`` are the day's sums after (None: sum again)."""
        orders = self.orders
        orders.update(changed)
        if sums is None:
            sums = list(_ZEROS)
            for order in orders.values():
                sums = list(map(add, sums, order.items))
        self.sums = sums


def _exp(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def _rises(before: ChargeItems, after: ChargeItems) -> bool:
    """True when an item of ``after`` has a larger Decimal exponent than in ``before``: the day's
    sums may then carry a smaller exponent than its orders now have, and are summed again."""
    if all(map(_same_quantum, before, after)):
        return False
    return any(_exp(b) < _exp(a) for b, a in zip(before, after, strict=True))


_Values = dict[Hashable, tuple[Side, Decimal, Decimal]]  # order → (side, intraday ₹, carried ₹)


class _Plan:
    """What a fill does to its scrip-day: the orders it reprices, the lots it takes (whole, then
    the units taken from the next one), its own unmatched lot, the day's new matched units, DP
    and sums (None: to be summed again), and its charges (₹)."""

    __slots__ = ("changed", "charges", "dp", "matched", "partial", "rest", "sums", "whole")

    def __init__(
        self,
        changed: dict[Hashable, OrderDay],
        whole: int,
        partial: int,
        rest: _Lot | None,
        matched: int,
        dp: Decimal,
        sums: list[Decimal] | None,
        charges: Charges,
    ) -> None:
        self.changed, self.whole, self.partial, self.rest = changed, whole, partial, rest
        self.matched, self.dp, self.sums, self.charges = matched, dp, sums, charges


class ChargeBook:
    """Charges of fills netted per (scrip, session) with one fee model (see the module docstring).

    ``scrip`` is any key naming the instrument (a column, an instrument id); ``order`` a key
    naming the executed order (brokerage is per order, on the order's whole turnover).
    """

    def __init__(self, fees: FeeModel) -> None:
        self.fees = fees
        self.days: dict[tuple[Hashable, date], ScripDay] = {}
        self._previewed: tuple[tuple[object, ...], Decimal, ScripDay, int, _Plan] | None = None

    def _new_day(self, exchange: Exchange, day: date, segment: Segment) -> ScripDay:
        exchange, segment = Exchange(exchange), Segment(segment)
        return ScripDay(exchange, day, segment, self.fees.order_pricer(exchange, day, segment))

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
        sd = self.days.get((scrip, day))
        if sd is None:  # a new scrip-day, kept only if this very fill is booked next
            sd = self._new_day(exchange, day, segment)
        plan = self._plan(sd, order, side, quantity, price)
        args = (scrip, exchange, day, segment, order, side, quantity)
        self._previewed = (args, price, sd, sd.version, plan)
        return plan.charges

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
        key = (scrip, day)
        sd = self.days.get(key)
        seen, self._previewed = self._previewed, None
        if (
            seen is not None
            and seen[0] == (scrip, exchange, day, segment, order, side, quantity)
            and seen[1] == price
            and seen[1].same_quantum(price)
            and seen[3] == seen[2].version
            and (sd is None or seen[2] is sd)
        ):
            sd, plan = seen[2], seen[4]  # the buying-power check's preview of this very fill
        else:
            if sd is None:
                sd = self._new_day(exchange, day, segment)
            plan = self._plan(sd, order, side, quantity, price)
        self.days[key] = sd
        queue = sd.queue
        for _ in range(plan.whole):
            queue.popleft()
        if plan.partial:
            queue[0].quantity -= plan.partial
        if plan.rest is not None:
            queue.append(plan.rest)
        sd.apply(plan.changed, plan.sums)
        sd.matched, sd.dp = plan.matched, plan.dp
        sd.version += 1
        return plan.charges

    def order_charges(self) -> dict[Hashable, Charges]:
        """Each order's charges under the final classification of its scrip-day (no DP), ₹."""
        out: dict[Hashable, Charges] = {}
        for sd in self.days.values():
            for key, order in sd.orders.items():
                out[key] = out.get(key, NO_CHARGES) + order.charges
        return out

    def dp_charges(self) -> dict[tuple[Hashable, date], Decimal]:
        """The DP charge (₹, GST included) of each scrip-day that has one."""
        return {key: sd.dp for key, sd in self.days.items() if sd.dp}

    # ----- the rule ---------------------------------------------------------------------------
    def _plan(self, sd: ScripDay, order: Hashable, side: Side, quantity: int, price: Decimal) -> _Plan:
        """What a fill of ``quantity`` units at ``price`` ₹ of ``order`` on ``side`` does to ``sd``
        (``sd`` is not changed)."""
        orders = sd.orders
        values: _Values = {}  # orders whose turnover moves
        left, matched_value, matched, whole, partial = quantity, ZERO, sd.matched, 0, 0
        rest: _Lot | None = None
        queue = sd.queue
        if sd.cash:
            if queue and queue[0].side is not side:
                left, matched_value, matched, whole, partial = _match(sd, values, side, quantity, price)
            if left:
                rest = _Lot(order, side, left, price)
        found = values.get(order)
        if found is None:
            o = orders.get(order)
            found = (side, ZERO, ZERO) if o is None else (o.side, o.intraday_value, o.carried_value)
        values[order] = (found[0], found[1] + matched_value, found[2] + price * left)
        segment = sd.brokerage_segment_at(matched)
        if segment is not sd.brokerage_segment_at(sd.matched):  # every order reprices
            for key, o in orders.items():
                values.setdefault(key, (o.side, o.intraday_value, o.carried_value))
        pricer = sd.pricer
        changed = {k: OrderDay(s, iv, cv, pricer(s, iv, cv, segment)) for k, (s, iv, cv) in values.items()}
        head = rest if whole >= len(queue) else queue[whole]
        dp = ZERO
        if sd.carries and head is not None and head.side is Side.SELL:
            dp = self.fees.dp_per_scrip_day
        return _difference(sd, changed, whole, partial, rest, matched, dp)


def _difference(
    sd: ScripDay,
    changed: dict[Hashable, OrderDay],
    whole: int,
    partial: int,
    rest: _Lot | None,
    matched: int,
    dp: Decimal,
) -> _Plan:
    """The plan of a fill that reprices ``changed`` and leaves the day's DP at ``dp``: its charges
    are the change to the day's total, item by item, ``(sums + change) - sums``, which has the
    exponent differencing the two totals gives (the least of every order's before and after, and
    0; the figures are exact sums)."""
    orders = sd.orders
    change: list[Decimal] | None = None
    rises = False
    items: Iterable[Decimal]
    for key, new in changed.items():
        old = orders.get(key)
        if old is None:
            items = new.items
        else:
            items = map(sub, new.items, old.items)
            rises = rises or _rises(old.items, new.items)
        change = list(items) if change is None else list(map(add, change, items))
    sums = sd.sums
    after = sums if change is None else list(map(add, sums, change))
    top = after.copy()
    top[-1] = top[-1] + dp - sd.dp  # the day's DP counts with the orders' (none) DP items
    return _Plan(
        changed, whole, partial, rest, matched, dp, None if rises else after, Charges(*map(sub, top, sums))
    )


def _match(
    sd: ScripDay, values: _Values, side: Side, quantity: int, price: Decimal
) -> tuple[int, Decimal, int, int, int]:
    """Match a fill against ``sd``'s unmatched lots of the other side, first in first out: the
    matched orders' new (side, intraday ₹, carried ₹) go into ``values``; returns the units left,
    the fill's matched turnover (₹), the day's matched units, the lots taken whole and the units
    taken from the next one."""
    orders, queue = sd.orders, sd.queue
    left, matched_value, matched, whole, partial = quantity, ZERO, sd.matched, 0, 0
    at, size = 0, len(queue)
    while left and at < size:
        lot = queue[at]
        if lot.side is side:
            break
        take = left if left < lot.quantity else lot.quantity
        found = values.get(lot.order)
        if found is None:
            o = orders.get(lot.order)
            found = (side, ZERO, ZERO) if o is None else (o.side, o.intraday_value, o.carried_value)
        value = lot.price * take
        values[lot.order] = (found[0], found[1] + value, found[2] - value)
        matched_value += price * take
        left -= take
        matched += take
        if take == lot.quantity:
            whole += 1
            at += 1
        else:
            partial = take
            break
    return left, matched_value, matched, whole, partial
