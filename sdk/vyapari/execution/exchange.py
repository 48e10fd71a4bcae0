"""The simulated exchange: resting orders matched against bars, with the fill rules, netted
charges and the booking of fills, written once for the backtest's event loop and the paper broker.

Instruments are columns of a :class:`~vyapari.execution.marks.MarkBook` (float marks in ₹, int64
positions); prices handed in are floats in ₹. Per bar of a column (:meth:`SimulatedExchange.match`)
each resting order, oldest first, is matched (:func:`~vyapari.execution.matching.match_order`),
cut to the volume cap in whole lots and to the shares held for a delivery sell
(:func:`~vyapari.execution.rules.allowed_quantity`), priced through the slippage model, cut to
buying power (:func:`~vyapari.execution.rules.cut_to_buying_power`, marks of the book) and booked:
charges netted per scrip-day (:class:`~vyapari.costs.netting.ChargeBook`), the Decimal
:class:`~vyapari.model.portfolio.Portfolio` (cash, positions, average price, realised P&L) and the
book's float mirror. The adapters (the event loop, the paper broker) own time, ids and their
records; they hear of fills and rejections through :class:`ExchangeEvents`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

import numpy as np

from vyapari.core.ids import split_instrument_id
from vyapari.costs.base import FeeModel, NoFees
from vyapari.costs.netting import ChargeBook
from vyapari.costs.slippage import UNLIMITED, SlippageModel
from vyapari.execution.marks import MarkBook
from vyapari.execution.matching import match_order
from vyapari.execution.pricing import fill_price_one, max_fill_quantity, to_price
from vyapari.execution.rules import allowed_quantity, cut_to_buying_power, exposure_fits
from vyapari.model.charges import NO_CHARGES, Charges
from vyapari.model.enums import Exchange, OrderStatus, OrderType, ProductType, Segment
from vyapari.model.events import Fill
from vyapari.model.orders import Order
from vyapari.model.portfolio import Portfolio

INSUFFICIENT_BUYING_POWER = "insufficient buying power"


class Resting:
    """An order at the exchange: its column, its key in the charge book (brokerage is per order),
    lot size, the adapter's stamp (e.g. the slice it was placed in), the adapter's own record of
    it (``handle``), the product whose rules apply (``rules``: the order's unless given; the
    backtest applies its strategy's), its side sign and stop state."""

    __slots__ = ("charged", "column", "handle", "key", "lot", "order", "rules", "sign", "stamp", "triggered")

    def __init__(
        self,
        order: Order,
        column: int,
        key: Hashable,
        lot: int,
        stamp: int = 0,
        handle: object = None,
        product: ProductType | None = None,
    ) -> None:
        self.order, self.column, self.key, self.lot, self.stamp = order, column, key, lot, stamp
        self.handle = handle
        self.rules: ProductType = order.product if product is None else product
        self.sign: int = order.side.sign
        self.triggered = False
        self.charged: tuple[Exchange, Segment] | None = None  # its venue and charge segment, once known


@dataclass(frozen=True, slots=True)
class Bar:
    """One column's bar as the matcher reads it: ``key`` names the bar (the volume cap is per
    bar), ``day`` its IST session, ``at`` its start; OHLC and ``ref`` (a market order's reference
    price) in ₹, volume in units; ``late`` when it starts at/after the 15:20 IST square-off."""

    key: int
    day: date
    at: datetime
    open: float
    high: float
    low: float
    volume: float
    ref: float
    late: bool = False


class ExchangeEvents(Protocol):
    """What an adapter hears from the exchange."""

    def filled(self, resting: Resting, fill: Fill, price: float) -> None:
        """``fill`` (of ``resting``, at float ``price`` ₹) was booked."""

    def rejected(self, resting: Resting, reason: str) -> None:
        """``resting`` was rejected (or its rest cancelled after a partial fill) for ``reason``."""


class SimulatedExchange:
    """Resting orders, fill rules, charges and the ledger of one account (see the module doc).

    ``leverage`` and ``segments`` per product; ``trade_id()`` names the next fill.
    """

    def __init__(
        self,
        *,
        capital: Decimal,
        fees: FeeModel,
        slippage: SlippageModel,
        leverage: Mapping[ProductType, float],
        segments: Mapping[ProductType, Segment],
        events: ExchangeEvents,
        trade_id: Callable[[], str],
        capacity: int = 64,
    ) -> None:
        self.slippage = slippage
        self.portfolio = Portfolio(initial_cash=capital)
        self.charge_book = ChargeBook(fees)  # charges netted per (scrip, session)
        # a frictionless run: every netted charge is Decimal 0 (exponent 0), NO_CHARGES exactly
        self._free = type(fees) is NoFees
        self.book = MarkBook(max(capacity, 1))
        self.cash = float(capital)  # float(portfolio.cash), read by every buying-power check
        self._leverage = dict(leverage)
        self._segments = dict(segments)
        self._events = events
        self._trade_id = trade_id
        self._venues: list[Exchange] = []
        self._resting: dict[int, list[Resting]] = {}  # column → open orders, oldest first
        self._caps: dict[int, tuple[int, int]] = {}  # column → (bar key, units the cap has left)
        self._last_price: tuple[float, Decimal] = (math.nan, Decimal(0))  # see _price()

    # ----- instruments -------------------------------------------------------------------
    def column(self, instrument_id: str) -> int:
        """The column of ``instrument_id`` (a new one when first seen)."""
        return self.book.column(instrument_id)

    def columns(self, instruments: tuple[str, ...] | list[str]) -> np.ndarray:
        """The columns of ``instruments`` in order (new ones added)."""
        return self.book.columns(instruments)

    def _venue(self, k: int) -> Exchange:
        """The exchange (NSE, BSE) of column ``k``, from its instrument id."""
        while len(self._venues) <= k:
            self._venues.append(Exchange(split_instrument_id(self.book.ids[len(self._venues)])[0]))
        return self._venues[k]

    @property
    def pos(self) -> np.ndarray:
        """Signed position (units) per column (the book's array: its capacity may exceed the columns)."""
        return self.book.qty

    @property
    def mark(self) -> np.ndarray:
        """Float mark (₹) per column: the last close, or the last fill price this minute."""
        return self.book.price

    def held(self, column: int) -> int:
        """The signed position (units) of ``column``."""
        return int(self.book.qty[column])

    # ----- orders --------------------------------------------------------------------------
    def rest(self, resting: Resting) -> Resting:
        """Rest an open order until it fills, is cancelled or rejected."""
        self._resting.setdefault(resting.column, []).append(resting)
        return resting

    def resting(self, column: int) -> list[Resting]:
        """The open orders of ``column``, oldest first (a copy)."""
        return list(self._resting.get(column, ()))

    def resting_columns(self) -> list[int]:
        """The columns with open orders, in the order their first order rested."""
        return list(self._resting)

    @property
    def has_resting(self) -> bool:
        """True when any order rests."""
        return bool(self._resting)

    def cancel(self, resting: Resting, reason: str | None = None) -> None:
        """Cancel an open order (``IllegalTransition`` if it is complete)."""
        resting.order.transition(OrderStatus.CANCELLED, reason)
        self._remove(resting)

    def cancel_column(self, column: int, reason: str | None = None) -> list[Resting]:
        """Cancel every open order of ``column``; returns them."""
        out = self._resting.pop(column, [])
        for resting in out:
            resting.order.transition(OrderStatus.CANCELLED, reason)
        return out

    def reject(self, resting: Resting, reason: str) -> None:
        """Reject ``resting`` (or cancel its rest after a partial fill), saying why."""
        order = resting.order
        partly = order.status is OrderStatus.PARTIALLY_FILLED
        order.transition(OrderStatus.CANCELLED if partly else OrderStatus.REJECTED, reason)
        self._remove(resting)
        self._events.rejected(resting, reason)

    def _remove(self, resting: Resting) -> None:
        orders = self._resting.get(resting.column)
        if orders is not None and resting in orders:
            orders.remove(resting)
            if not orders:
                del self._resting[resting.column]

    # ----- matching -------------------------------------------------------------------------
    def match(self, column: int, bar: Bar, placed_before: int | None = None) -> None:
        """Match the open orders of ``column`` (oldest first; only those stamped before
        ``placed_before`` when given) against ``bar``."""
        orders = self._resting.get(column)
        if not orders:
            return
        for resting in list(orders):
            if placed_before is None or resting.stamp < placed_before:
                self.match_one(resting, bar)

    def match_one(self, resting: Resting, bar: Bar) -> None:
        """Match one open order against its column's ``bar`` (see the module doc)."""
        order = resting.order
        if order.order_type is OrderType.MARKET:  # match_order's first case, without its Match
            price, slippage = bar.ref, True
        else:
            m = match_order(
                order.order_type,
                resting.sign,
                _f(order.limit_price),
                _f(order.trigger_price),
                resting.triggered,
                bar.open,
                bar.high,
                bar.low,
                bar.ref,
            )
            resting.triggered = resting.triggered or m.triggered
            price, slippage = m.price, m.slippage
        if math.isnan(price):
            return
        n = resting.column
        squareoff = bar.late and self._squares_off(resting)
        if squareoff:
            cap = UNLIMITED
        else:
            key, left = self._caps.get(n, (-1, 0))
            cap = left if key == bar.key else max_fill_quantity(self.slippage, bar.volume)
        held = int(self.book.qty[n])
        qty, refused = allowed_quantity(
            order.remaining_quantity, cap, resting.lot, order.side, resting.rules, held
        )
        if refused is not None:
            self.reject(resting, refused)
        if qty == 0:
            return
        if slippage:
            price = fill_price_one(self.slippage, resting.sign, price, qty, bar.volume)
        qty = self._within_buying_power(resting, qty, price, bar.day)
        if qty:
            if not squareoff:
                self._caps[n] = (bar.key, cap - qty)
            self.fill(resting, qty, price, bar.day, bar.at)

    def _squares_off(self, resting: Resting) -> bool:
        """True for an MIS market order that only closes (part of) a position: after 15:20 IST it
        fills whole, as a broker's auto square-off does."""
        order = resting.order
        if resting.rules is not ProductType.MIS or order.order_type is not OrderType.MARKET:
            return False
        held = int(self.book.qty[resting.column])
        return held != 0 and abs(held + resting.sign * order.remaining_quantity) <= abs(held)

    def _within_buying_power(self, resting: Resting, qty: int, price: float, day: date) -> int:
        """The fillable quantity (whole lots; :func:`~vyapari.execution.rules.cut_to_buying_power`);
        none left rejects the order."""
        k, sign = resting.column, resting.sign
        held = int(self.book.qty[k])
        if abs(held + sign * qty) <= abs(held):  # cut_to_buying_power's first case, without its check
            return qty
        leverage = self._leverage[resting.rules]
        n = len(self.book.ids)

        def fits(q: int, after: int) -> bool:
            charges = 0.0 if self._free else float(self.charges(resting, q, price, day).total)
            cash = self.cash - sign * q * price - charges
            return exposure_fits(self.book.qty[:n], self.book.price[:n], k, after, price, cash, leverage)

        qty = cut_to_buying_power(held, sign, qty, resting.lot, fits)
        if qty == 0:
            self.reject(resting, INSUFFICIENT_BUYING_POWER)
        return qty

    # ----- charges and booking -----------------------------------------------------------------
    def charges(self, resting: Resting, qty: int, price: float, day: date, *, book: bool = False) -> Charges:
        """The charges (₹) of a fill of ``qty`` at ``price`` ₹ on session ``day``, netted per scrip-day
        (:mod:`vyapari.costs.netting`); booked into the day's charges only when ``book``."""
        if self._free:
            return NO_CHARGES
        charged = resting.charged
        if charged is None:
            charged = resting.charged = (self._venue(resting.column), self._segments[resting.rules])
        how = self.charge_book.book if book else self.charge_book.preview
        venue, segment = charged
        side = resting.order.side
        return how(resting.column, venue, day, segment, resting.key, side, qty, self._price(price))

    def _price(self, price: float) -> Decimal:
        """``to_price(price)``, remembered for the last price (a fill's preview, booking and record
        convert the same float)."""
        last = self._last_price
        if last[0] == price and price:  # (not 0.0, whose sign the Decimal keeps)
            return last[1]
        exact = to_price(price)
        self._last_price = (price, exact)
        return exact

    def fill(self, resting: Resting, qty: int, price: float, day: date, at: datetime) -> Fill:
        """Book a fill of ``qty`` units of ``resting`` at ``price`` ₹ (no rule applied: the square-off
        and :meth:`match_one` call it): charges, portfolio, the book's mirror, the order."""
        order, n = resting.order, resting.column
        charges = self.charges(resting, qty, price, day, book=True)  # = the buying-power check's preview
        trade_id = self._trade_id()
        fill = Fill(
            trade_id,
            order.client_order_id,
            order.instrument_id,
            order.side,
            qty,
            self._price(price),
            at,
            order.product,
            charges,
        )
        self.portfolio.apply(fill)
        self.book.fill(n, resting.sign * qty, price)  # later checks this minute see it
        order.record_fill(trade_id, qty, fill.price)
        if order.status is OrderStatus.FILLED:
            self._remove(resting)
        self.cash = float(self.portfolio.cash)
        self._events.filled(resting, fill, price)
        return fill

    # ----- corporate actions --------------------------------------------------------------------
    def split(self, instrument_id: str, ratio: Decimal, mark: Decimal) -> None:
        """A split or bonus of ``ratio`` (shares after / before) of the position in
        ``instrument_id``, ``mark`` ₹ the last price before it (a fractional share is paid in cash
        at ``mark`` ÷ ratio)."""
        self.portfolio.apply_split(instrument_id, ratio, mark)
        self.book.qty[self.book.column(instrument_id)] = self.portfolio.position(instrument_id).quantity
        self.cash = float(self.portfolio.cash)

    def dividend(self, instrument_id: str, per_share: Decimal) -> None:
        """Credit a cash dividend of ``per_share`` ₹ on the position in ``instrument_id``."""
        self.portfolio.credit_dividend(instrument_id, per_share)
        self.cash = float(self.portfolio.cash)

    # ----- bounds for fills at opening trades --------------------------------------------------
    def opening_bands(self, max_orders: int, day: date) -> dict[int, tuple[float, float]]:
        """Columns whose open orders fill the same whatever the order the minute's instruments are
        matched in, each with the band of fill prices (₹) that keeps that so; empty when not.

        With every fill price within half and twice its column's mark (``m``),
        gross exposure ≤ G + 2X and equity ≥ E − 2C − 1.5X, where ``G`` is the gross exposure of
        columns without open orders, ``X`` the sum of ``(|position| + open units) × m`` over those
        with, ``E`` the equity and ``C`` the charges of every open order at ``2m``; the bands are
        given only when ``G + 2X ≤ L × (E − 2C − 1.5X)`` (``L`` the lowest leverage of the open
        orders' products), with at most ``max_orders`` open orders, each column marked.
        """
        if not self._resting or not self.slippage.volume_free:
            return {}
        if sum(len(rs) for rs in self._resting.values()) > max_orders:
            return {}
        n = len(self.book.ids)
        qty, marks = self.book.qty[:n], self.book.price[:n]
        gross = float(np.abs(qty) @ marks)
        equity = self.cash + float(qty @ marks)
        exposure, charges, leverage = 0.0, Decimal(0), math.inf
        bands: dict[int, tuple[float, float]] = {}
        for k, orders in self._resting.items():
            mark = float(marks[k])
            if not mark > 0:
                return {}
            held = abs(float(qty[k]))
            gross -= held * mark
            exposure += (held + sum(r.order.remaining_quantity for r in orders)) * mark
            for r in orders:
                at_twice = self.charges(r, r.order.remaining_quantity, 2.0 * mark, day).total
                charges += max(at_twice, Decimal(0))  # a refund of a same-day adjustment: none
                leverage = min(leverage, self._leverage[r.rules])
            bands[k] = (mark / 2.0, 2.0 * mark)
        worst_gross = gross + 2.0 * exposure
        worst_equity = equity - 2.0 * float(charges) - 1.5 * exposure
        margin = 1e-6 * (abs(worst_gross) + abs(leverage * worst_equity)) + 1.0  # ₹1 and float error
        if worst_gross + margin > leverage * worst_equity:
            return {}
        return bands


def _f(value: Decimal | None) -> float:
    return math.nan if value is None else float(value)
