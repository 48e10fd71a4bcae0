"""What a strategy asks for: an :class:`OrderRequest` (the engine or broker makes the Order)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from vyapari.model.enums import OrderType, ProductType, Side


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """Buy or sell ``quantity`` (> 0) shares of ``symbol``; prices in ₹ on the tick grid."""

    symbol: str
    side: Side
    quantity: int
    order_type: OrderType = OrderType.MARKET
    product: ProductType = ProductType.CNC
    limit_price: Decimal | None = None
    trigger_price: Decimal | None = None
    tag: str | None = None

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"{self.symbol}: order quantity must be positive, got {self.quantity}")
