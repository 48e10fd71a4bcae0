"""The paper exchange's orders: a resting order, the order book's view of it, and what a slice did."""

from __future__ import annotations

from dataclasses import dataclass, field

from vyapari.brokers.types import BrokerOrder, BrokerTrade
from vyapari.execution.exchange import Resting
from vyapari.model.events import Fill
from vyapari.model.orders import Order


@dataclass(slots=True)
class PaperOrder:
    """A paper order: its broker id, lot size and its order at the simulated exchange."""

    order: Order
    broker_order_id: str
    lot_size: int
    resting: Resting


@dataclass(frozen=True, slots=True)
class SliceResult:
    """What one slice did at the exchange: its fills, the same as trades, and the orders it moved.

    ``orders`` are the book entries (as
    :meth:`~vyapari.brokers.paper.exchange.PaperExchange.order_book` shows them) of every order
    whose status or filled quantity changed during the slice, in the order they changed.
    """

    fills: list[Fill] = field(default_factory=list)
    trades: list[BrokerTrade] = field(default_factory=list)
    orders: list[BrokerOrder] = field(default_factory=list)


def book_entry(paper: PaperOrder) -> BrokerOrder:
    """The order book's view of ``paper``."""
    o = paper.order
    return BrokerOrder(
        broker_order_id=paper.broker_order_id,
        client_order_id=o.client_order_id,
        instrument_id=o.instrument_id,
        side=o.side,
        quantity=o.quantity,
        status=o.status,
        order_type=o.order_type,
        product=o.product,
        filled_quantity=o.filled_quantity,
        average_price=o.average_price,
        limit_price=o.limit_price,
        trigger_price=o.trigger_price,
        status_message=o.status_reason,
    )
