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
(exact in Decimal: the same figures as differencing the day's totals, padded to the same
exponent), and :meth:`ChargeBook.book` reuses the plan of the :meth:`~ChargeBook.preview` it
follows. Amounts are ₹ (Decimal). The array twin for the backtest kernel is
:func:`vyapari.backtest.charge_kernel.netted_charges`.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Hashable
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from operator import attrgetter

from vyapari.core.money import ZERO
from vyapari.costs.base import FeeModel
from vyapari.model.charges import NO_CHARGES, Charges
from vyapari.model.enums import Exchange, Segment, Side

CASH_SEGMENTS = (Segment.DELIVERY, Segment.INTRADAY)
_ITEMS = tuple(f.name for f in fields(Charges))
_VALUES = attrgetter(*_ITEMS)  # a Charges' items in field order
_UNIT = {-e: Decimal(1).scaleb(-e) for e in range(40)}  # quantum of each exponent


@dataclass(frozen=True, slots=True)
class OrderDay:
    """One order's trades in one scrip-day: side, and its turnover (₹) matched intraday and not."""

    side: Side
    intraday_value: Decimal = ZERO
    carried_value: Decimal = ZERO
    charges: Charges = NO_CHARGES


class _Lot:
    """Unmatched quantity of one fill: its order and side, units left and price (₹)."""

    __slots__ = ("order", "price", "quantity", "side")

    def __init__(self, order: Hashable, side: Side, quantity: int, price: Decimal) -> None:
        self.order, self.side, self.quantity, self.price = order, side, quantity, price


class ScripDay:
    """The state of one (scrip, session), kept in place: orders, unmatched lots (all of one side,
    oldest first), matched units and DP; ``version`` counts the fills booked into it."""

    __slots__ = (
        "_counts",
        "_exps",
        "day",
        "dp",
        "exchange",
        "matched",
        "orders",
        "queue",
        "segment",
        "version",
    )

    def __init__(self, exchange: Exchange, day: date, segment: Segment) -> None:
        self.exchange, self.day, self.segment = exchange, day, segment
        self.orders: dict[Hashable, OrderDay] = {}
        self.queue: deque[_Lot] = deque()
        self.matched = 0
        self.dp = ZERO
        self.version = 0
        # per item, how many of the orders' charges have each Decimal exponent, and each order's
        # items' exponents (see exponents())
        self._counts: list[Counter[int]] = [Counter() for _ in _ITEMS]
        self._exps: dict[Hashable, tuple[int, ...]] = {}

    @property
    def carries(self) -> bool:
        """Unmatched quantity is delivery (the product is CNC)."""
        return self.segment is Segment.DELIVERY

    def brokerage_segment_at(self, matched: int) -> Segment:
        """Intraday brokerage on every order once the day has intraday quantity (or for MIS)."""
        if self.segment in CASH_SEGMENTS and (matched > 0 or not self.carries):
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

    def exponents(self, new: dict[Hashable, tuple[int, ...]], dp: Decimal) -> list[int]:
        """Per item, the smallest Decimal exponent over the day's orders' charges before and after
        the orders in ``new`` are repriced (``new``: their items' exponents), and 0, the exponent of
        an empty total; for DP also the day's DP before and after (``dp``). It is the exponent of
        the difference of the day's totals, which a fill's charges are padded to."""
        out = []
        for n, counts in enumerate(self._counts):
            least = min(counts, default=0)
            for exps in new.values():
                least = min(least, exps[n])
            out.append(min(least, 0))
        out[-1] = min(out[-1], _exp(dp), _exp(self.dp))
        return out

    def apply(self, changed: dict[Hashable, OrderDay], new: dict[Hashable, tuple[int, ...]]) -> None:
        """Replace the orders in ``changed`` (``new``: their items' exponents, kept counted)."""
        for key, order in changed.items():
            old = self._exps.get(key)
            exps = new[key]
            for n, counts in enumerate(self._counts):
                if old is not None:
                    counts[old[n]] -= 1
                    if not counts[old[n]]:
                        del counts[old[n]]
                counts[exps[n]] += 1
            self._exps[key] = exps
            self.orders[key] = order


def _exp(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


_QUANTA = {e: Decimal(1).scaleb(e) for e in range(-60, 30)}  # a Decimal of each exponent
_LAST = [0] * len(_ITEMS)  # per item, the exponent last seen (a guess checked by same_quantum)


def _exps(charges: Charges) -> tuple[int, ...]:
    """Each item's exponent (:func:`_exp`): the last one seen for that item when ``same_quantum``
    confirms it (one C call), else read from the digits."""
    out = []
    last = _LAST
    for n, value in enumerate(_VALUES(charges)):
        exponent = last[n]
        if not value.same_quantum(_QUANTA[exponent]):
            exponent = _exp(value)
            if exponent in _QUANTA:
                last[n] = exponent
        out.append(exponent)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a fill does to its scrip-day: the orders it reprices, the lots it takes (whole, then the
    units taken from the next one), its own unmatched lot, the day's new matched units and DP, and
    its charges (₹)."""

    changed: dict[Hashable, OrderDay]
    exponents: dict[Hashable, tuple[int, ...]]
    whole: int
    partial: int
    rest: _Lot | None
    matched: int
    dp: Decimal
    charges: Charges


class ChargeBook:
    """Charges of fills netted per (scrip, session) with one fee model (see the module docstring).

    ``scrip`` is any key naming the instrument (a column, an instrument id); ``order`` a key
    naming the executed order (brokerage is per order, on the order's whole turnover).
    """

    def __init__(self, fees: FeeModel) -> None:
        self.fees = fees
        self.days: dict[tuple[Hashable, date], ScripDay] = {}
        self._previewed: tuple[tuple[object, ...], ScripDay, int, _Plan] | None = None

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
            sd = ScripDay(Exchange(exchange), day, Segment(segment))
        plan = self._plan(sd, order, side, quantity, price)
        args = (scrip, exchange, day, segment, order, side, quantity, price.as_tuple())
        self._previewed = (args, sd, sd.version, plan)
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
        args = (scrip, exchange, day, segment, order, side, quantity, price.as_tuple())
        if (
            seen is not None
            and seen[0] == args
            and seen[2] == seen[1].version
            and (sd is None or seen[1] is sd)
        ):
            sd, plan = seen[1], seen[3]  # the buying-power check's preview of this very fill
        else:
            if sd is None:
                sd = ScripDay(Exchange(exchange), day, Segment(segment))
            plan = self._plan(sd, order, side, quantity, price)
        self.days[key] = sd
        for _ in range(plan.whole):
            sd.queue.popleft()
        if plan.partial:
            sd.queue[0].quantity -= plan.partial
        if plan.rest is not None:
            sd.queue.append(plan.rest)
        sd.apply(plan.changed, plan.exponents)
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
        values: dict[Hashable, tuple[Side, Decimal, Decimal]] = {}  # orders whose turnover moves

        def current(key: Hashable) -> tuple[Side, Decimal, Decimal]:
            found = values.get(key)
            if found is not None:
                return found
            o = orders.get(key)
            return (side, ZERO, ZERO) if o is None else (o.side, o.intraday_value, o.carried_value)

        left, matched_value, matched = quantity, ZERO, sd.matched
        whole = partial = 0
        rest: _Lot | None = None
        queue = sd.queue
        if sd.segment in CASH_SEGMENTS:
            at = 0
            while left and at < len(queue) and queue[at].side is not side:
                lot = queue[at]
                take = min(left, lot.quantity)
                other_side, intraday, carried = current(lot.order)
                value = lot.price * take
                values[lot.order] = (other_side, intraday + value, carried - value)
                matched_value += price * take
                left -= take
                matched += take
                if take == lot.quantity:
                    whole += 1
                    at += 1
                else:
                    partial = take
                    break
            if left:
                rest = _Lot(order, side, left, price)
        own_side, intraday, carried = current(order)
        values[order] = (own_side, intraday + matched_value, carried + price * left)
        if sd.brokerage_segment_at(matched) is not sd.brokerage_segment:  # every order reprices
            for key, o in orders.items():
                values.setdefault(key, (o.side, o.intraday_value, o.carried_value))
        segment = sd.brokerage_segment_at(matched)
        changed = {
            key: OrderDay(s, iv, cv, self._priced(sd, s, iv, cv, segment))
            for key, (s, iv, cv) in values.items()
        }
        head = rest if whole >= len(queue) else queue[whole]
        dp = ZERO
        if sd.carries and head is not None and head.side is Side.SELL:
            dp = self.fees.dp_per_scrip_day
        exps = {key: _exps(o.charges) for key, o in changed.items()}
        return _Plan(
            changed, exps, whole, partial, rest, matched, dp, self._difference(sd, changed, exps, dp)
        )

    def _difference(
        self,
        sd: ScripDay,
        changed: dict[Hashable, OrderDay],
        exps: dict[Hashable, tuple[int, ...]],
        dp: Decimal,
    ) -> Charges:
        """The change ``changed`` and the new ``dp`` make to the day's total (₹), item by item,
        with the exponent differencing the two totals would give (the figures are exact sums)."""
        sums = [ZERO] * len(_ITEMS)
        sums[-1] = dp - sd.dp
        for key, new in changed.items():
            old = sd.orders.get(key)
            if old is None:
                sums = [a + b for a, b in zip(sums, _VALUES(new.charges), strict=True)]
            else:
                olds = _VALUES(old.charges)
                sums = [a + (b - c) for a, b, c in zip(sums, _VALUES(new.charges), olds, strict=True)]
        items: list[Decimal] = []
        for value, exponent in zip(sums, sd.exponents(exps, dp), strict=True):
            items.append(
                value.quantize(_UNIT[exponent] if exponent in _UNIT else Decimal(1).scaleb(exponent))
            )
        return Charges(*items)

    def _priced(
        self, sd: ScripDay, side: Side, intraday: Decimal, carried: Decimal, segment: Segment
    ) -> Charges:
        return self.fees.order_charges(sd.exchange, sd.day, side, intraday, carried, sd.segment, segment)
