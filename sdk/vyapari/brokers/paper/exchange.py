"""The paper exchange: resting orders filled against a live or replayed stream of bars or ticks.

The same rules as the backtest's simulated exchange (:mod:`.matching`): an order submitted
before a bar is matched against that bar (so a market order fills at the **next** bar's
open, through the slippage model, rounded to the paisa); limit and stop orders as in the
backtest; per bar and instrument, fills share the slippage model's volume cap in whole
lots, oldest order first; a CNC sell never goes short; a risk-increasing fill beyond
``leverage`` × equity is cut by whole lots or rejected. A tick is a bar whose open, high,
low and close are its price. Every fill is booked in a :class:`Portfolio` with charges from
the fee model, dated by the bar's IST session date.
"""

from __future__ import annotations

import itertools
import math
import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from vyapari.brokers.paper.config import PaperConfig
from vyapari.brokers.types import BrokerTrade, Candle, OrderRequest
from vyapari.core.ids import split_instrument_id
from vyapari.core.time import IST
from vyapari.costs.base import TradeLeg
from vyapari.execution.matching import match_order
from vyapari.execution.pricing import fill_price_one, max_fill_quantity, to_price
from vyapari.model.charges import Charges
from vyapari.model.enums import Exchange, InstrumentKind, OrderStatus, ProductType, Side, segment_for
from vyapari.model.events import Fill
from vyapari.model.orders import Order
from vyapari.model.portfolio import Portfolio


@dataclass(slots=True)
class PaperOrder:
    """A resting order with its broker id, lot size and stop state."""

    order: Order
    broker_order_id: str
    lot_size: int
    triggered: bool = False


def _f(value: Decimal | None) -> float:
    return math.nan if value is None else float(value)


class PaperExchange:
    """Order book, trade book and portfolio of the paper broker (thread-safe)."""

    def __init__(self, config: PaperConfig) -> None:
        self.config = config
        self.portfolio = Portfolio(initial_cash=config.initial_capital)
        self.orders: dict[str, PaperOrder] = {}
        self.trades: list[BrokerTrade] = []
        self.products: dict[str, ProductType] = {}
        self.marks: dict[str, Decimal] = {}
        self._ids = itertools.count(1)
        self._trade_ids = itertools.count(1)
        self._lock = threading.RLock()

    def place(self, request: OrderRequest) -> str:
        """Rest ``request`` until the next bar of its instrument; returns the paper order id."""
        with self._lock:
            broker_id = f"PAPER-{next(self._ids):08d}"
            order = Order(
                request.client_order_id, request.instrument_id, request.side, request.quantity,
                request.order_type, request.product, request.limit_price, request.trigger_price,
                tag=request.client_order_id,
            )
            order.transition(OrderStatus.SUBMITTED)
            order.transition(OrderStatus.OPEN)
            self.orders[broker_id] = PaperOrder(order, broker_id, request.lot_size)
            return broker_id

    def cancel(self, broker_order_id: str) -> None:
        """Cancel a resting order (an error if it is already complete)."""
        with self._lock:
            self.orders[broker_order_id].order.transition(OrderStatus.CANCELLED, "cancelled by user")

    def on_tick(self, instrument_id: str, price: Decimal, at: datetime, quantity: int = 0) -> list[Fill]:
        """Match resting orders against a trade of ``quantity`` units at ``price`` ₹ at ``at``.

        The tick is treated as a bar whose open, high, low and close are ``price``.
        """
        return self.on_bar(instrument_id, Candle(at, price, price, price, price, quantity))

    def on_bar(self, instrument_id: str, bar: Candle) -> list[Fill]:
        """Match resting orders of ``instrument_id`` (oldest first) against ``bar``; returns the fills."""
        with self._lock:
            cap = max_fill_quantity(self.config.slippage, bar.volume)
            fills: list[Fill] = []
            for paper in list(self.orders.values()):
                order = paper.order
                if order.instrument_id != instrument_id or order.status.is_terminal:
                    continue
                fill = self._match(paper, bar, cap)
                if fill is not None:
                    cap -= fill.quantity
                    fills.append(fill)
            self.marks[instrument_id] = bar.close
            return fills

    def _match(self, paper: PaperOrder, bar: Candle, cap: int) -> Fill | None:
        order = paper.order
        o, h, low = float(bar.open), float(bar.high), float(bar.low)
        m = match_order(order.order_type, order.side.sign, _f(order.limit_price),
                        _f(order.trigger_price), paper.triggered, o, h, low, o)
        paper.triggered = paper.triggered or m.triggered
        if math.isnan(m.price):
            return None
        qty = self._allowed(paper, cap)
        if qty == 0:
            return None
        price = m.price
        if m.slippage:
            price = fill_price_one(self.config.slippage, order.side.sign, price, qty, bar.volume)
        qty = self._within_buying_power(paper, qty, price, bar)
        return self._book(paper, bar, qty, price) if qty else None

    def _allowed(self, paper: PaperOrder, cap: int) -> int:
        order = paper.order
        qty = min(order.remaining_quantity, (cap // paper.lot_size) * paper.lot_size)
        if order.side is Side.SELL and order.product is ProductType.CNC:
            held = max(self.portfolio.position(order.instrument_id).quantity, 0)
            if qty > held:
                qty = held
                if held == 0:
                    self._reject(paper, "short selling is not allowed in delivery (CNC)")
        return qty

    def _within_buying_power(self, paper: PaperOrder, qty: int, price: float, bar: Candle) -> int:
        order = paper.order
        current = self.portfolio.position(order.instrument_id).quantity
        while qty > 0:
            after = current + order.side.sign * qty
            if abs(after) <= abs(current) or self._affordable(order, qty, price, after, bar):
                return qty
            qty -= paper.lot_size
        self._reject(paper, "insufficient buying power")
        return 0

    def _affordable(self, order: Order, qty: int, price: float, after: int, bar: Candle) -> bool:
        marks = dict(self.marks)
        marks[order.instrument_id] = to_price(price)
        charges = self._charges(order, qty, price, bar)
        cash = self.portfolio.cash - order.side.sign * qty * to_price(price) - charges.total
        positions = {i: p.quantity for i, p in self.portfolio.positions.items()}
        positions[order.instrument_id] = after
        gross = sum((abs(q) * marks.get(i, Decimal(0)) for i, q in positions.items()), Decimal(0))
        equity = cash + sum((q * marks.get(i, Decimal(0)) for i, q in positions.items()), Decimal(0))
        return gross <= self.config.leverage * equity

    def _reject(self, paper: PaperOrder, reason: str) -> None:
        partly = paper.order.status is OrderStatus.PARTIALLY_FILLED
        paper.order.transition(OrderStatus.CANCELLED if partly else OrderStatus.REJECTED, reason)

    def _charges(self, order: Order, qty: int, price: float, bar: Candle) -> Charges:
        exchange, _ = split_instrument_id(order.instrument_id)
        segment = segment_for(InstrumentKind.EQUITY, order.product)
        day = bar.start_at.astimezone(IST).date()
        leg = TradeLeg(Exchange(exchange), segment, order.side, qty, to_price(price), day)
        return self.config.fees.charges(leg)

    def _book(self, paper: PaperOrder, bar: Candle, qty: int, price: float) -> Fill:
        order = paper.order
        trade_id = f"PAPER-T{next(self._trade_ids):08d}"
        fill = Fill(trade_id, order.client_order_id, order.instrument_id, order.side, qty,
                    to_price(price), bar.start_at, order.product, self._charges(order, qty, price, bar))
        self.portfolio.apply(fill)
        order.record_fill(trade_id, qty, fill.price)
        self.products[order.instrument_id] = order.product
        self.trades.append(BrokerTrade(trade_id, paper.broker_order_id, order.instrument_id, order.side,
                                       qty, fill.price, bar.start_at, order.product, order.client_order_id))
        return fill

