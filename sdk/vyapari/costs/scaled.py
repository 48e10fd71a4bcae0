"""A fee model scaled by a factor: the cost-sensitivity studies' 2× and 3× costs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from vyapari.costs.base import FeeModel, LegArrays, TradeLeg
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

    def _items_array(self, exchange: Exchange, segment: Segment, legs: LegArrays) -> dict[str, np.ndarray]:
        """The base model's items, scaled."""
        items = self.base._items_array(exchange, segment, legs)
        return {k: v * self.factor for k, v in items.items()}
