"""Orders and their legal status transitions.

An :class:`Order` is our intent (``client_order_id`` is the idempotency key). Its status
moves only along :data:`TRANSITIONS`; anything else raises :class:`IllegalTransition`.
Fill bookkeeping (``filled_quantity``, ``average_price``) changes only in :meth:`Order.record_fill`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from vyapari.core.errors import IllegalTransition, InvalidInput
from vyapari.core.money import ZERO
from vyapari.model.enums import OrderStatus, OrderType, ProductType, Side

S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.NEW: frozenset({S.SUBMITTED, S.REJECTED, S.CANCELLED}),
    S.SUBMITTED: frozenset(
        {S.OPEN, S.TRIGGER_PENDING, S.PARTIALLY_FILLED, S.FILLED, S.REJECTED, S.CANCELLED}
    ),
    S.OPEN: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCELLED, S.REJECTED}),
    S.TRIGGER_PENDING: frozenset({S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.CANCELLED, S.REJECTED}),
    S.PARTIALLY_FILLED: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCELLED}),
    S.FILLED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
}


@dataclass(slots=True)
class Order:
    """An order for ``quantity`` units (> 0) of ``instrument_id``; prices in ₹.

    ``limit_price`` is required for LIMIT and SL; ``trigger_price`` for SL and SL-M.
    """

    client_order_id: str
    instrument_id: str
    side: Side
    quantity: int
    order_type: OrderType = OrderType.MARKET
    product: ProductType = ProductType.CNC
    limit_price: Decimal | None = None
    trigger_price: Decimal | None = None
    created_at: datetime | None = None
    tag: str | None = None
    status: OrderStatus = OrderStatus.NEW
    filled_quantity: int = 0
    average_price: Decimal = ZERO
    broker_order_id: str | None = None
    status_reason: str | None = None
    _trade_ids: set[str] = field(default_factory=set, repr=False)

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise InvalidInput("quantity", f"must be positive, got {self.quantity}")
        if self.order_type is OrderType.MARKET:  # no price to check (most orders)
            return
        needs_limit = self.order_type in (OrderType.LIMIT, OrderType.SL)
        needs_trigger = self.order_type in (OrderType.SL, OrderType.SL_M)
        if needs_limit and (self.limit_price is None or self.limit_price <= 0):
            raise InvalidInput("limit_price", f"a positive price is required for {self.order_type.value}")
        if needs_trigger and (self.trigger_price is None or self.trigger_price <= 0):
            raise InvalidInput("trigger_price", f"a positive price is required for {self.order_type.value}")

    @property
    def remaining_quantity(self) -> int:
        """Units still to fill."""
        return self.quantity - self.filled_quantity

    def transition(self, new_status: OrderStatus, reason: str | None = None) -> None:
        """Move to ``new_status``; raises :class:`IllegalTransition` if not allowed."""
        if new_status not in TRANSITIONS[self.status]:
            raise IllegalTransition(
                f"order {self.client_order_id}: {self.status.value} -> {new_status.value} is not allowed"
            )
        self.status = new_status
        if reason is not None:
            self.status_reason = reason

    def record_fill(self, trade_id: str, quantity: int, price: Decimal) -> None:
        """Book a fill of ``quantity`` at ``price`` ₹; status becomes PARTIALLY_FILLED or FILLED.

        A repeated ``trade_id`` is ignored (brokers resend trade updates).
        """
        if trade_id in self._trade_ids:
            return
        if quantity <= 0 or quantity > self.remaining_quantity:
            raise InvalidInput(
                "quantity",
                f"fill of {quantity} on order {self.client_order_id} "
                f"with {self.remaining_quantity} remaining",
            )
        total = self.average_price * self.filled_quantity + price * quantity
        self.filled_quantity += quantity
        self.average_price = total / self.filled_quantity
        self._trade_ids.add(trade_id)
        done = self.filled_quantity == self.quantity
        self.transition(OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED)
