"""Immutable events. A :class:`Fill` is the only thing that changes a position or cash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from vyapari.core.time import require_aware
from vyapari.model.charges import NO_CHARGES, Charges
from vyapari.model.enums import OrderStatus, ProductType, Side


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution: ``quantity`` units (> 0) at ``price`` ₹ on ``side``, with its charges.

    ``trade_id`` identifies the execution (the broker's trade id, or a deterministic one in
    a backtest); applying the same ``trade_id`` twice is an error. ``broker_order_id`` is the
    broker's id of the order executed (``None`` in a backtest): brokers price charges per
    executed order, so the end-of-day charges reconciliation groups fills by it.
    """

    trade_id: str
    client_order_id: str
    instrument_id: str
    side: Side
    quantity: int
    price: Decimal
    filled_at: datetime
    product: ProductType = ProductType.CNC
    charges: Charges = NO_CHARGES
    broker_order_id: str | None = None

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"fill {self.trade_id}: quantity must be positive, got {self.quantity}")
        if self.price <= 0:
            raise ValueError(f"fill {self.trade_id}: price must be positive, got {self.price}")
        require_aware(self.filled_at, name=f"fill {self.trade_id} filled_at")

    @property
    def signed_quantity(self) -> int:
        """+quantity for a buy, -quantity for a sell."""
        return self.quantity * self.side.sign

    @property
    def notional(self) -> Decimal:
        """Traded value in ₹ (quantity × price)."""
        return self.price * self.quantity


@dataclass(frozen=True, slots=True)
class OrderSubmitted:
    """An order left us for the broker (or the simulated exchange)."""

    client_order_id: str
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class OrderStatusChanged:
    """The broker (or simulator) reported a new status for an order."""

    client_order_id: str
    status: OrderStatus
    changed_at: datetime
    reason: str | None = None
