"""A fee model scaled by a factor: the cost-sensitivity studies' 2× and 3× costs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from vyapari.costs.base import FeeModel, TradeLeg
from vyapari.model.charges import Charges
from vyapari.model.enums import Exchange, Segment


@dataclass(frozen=True)
class ScaledFees(FeeModel):
    """Every charge of ``base`` multiplied by ``factor`` (> 0)."""

    base: FeeModel
    factor: float

    def __post_init__(self) -> None:
        if not self.factor > 0:
            raise ValueError(f"factor must be > 0, got {self.factor}")

    @property
    def name(self) -> str:
        """``"<base>×<factor>"``."""
        return f"{self.base.name}x{self.factor:g}"

    def charges(self, leg: TradeLeg) -> Charges:
        """The base model's charges, each item scaled."""
        return self.base.charges(leg).scaled(Decimal(repr(self.factor)))

    def charges_items_array(
        self,
        exchange: Exchange,
        segment: Segment,
        side_sign: np.ndarray,
        quantity: np.ndarray,
        price: np.ndarray,
        trade_date: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """The base model's items, scaled."""
        items = self.base.charges_items_array(exchange, segment, side_sign, quantity, price, trade_date)
        return {k: v * self.factor for k, v in items.items()}
