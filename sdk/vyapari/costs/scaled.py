"""A fee model scaled by a factor: the cost-sensitivity studies' 2× and 3× costs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from vyapari.costs.base import ChargeItems, FeeModel, LegArrays, OrderPricer, TradeLeg
from vyapari.model.charges import Charges
from vyapari.model.enums import Exchange, Segment, Side


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

    @property
    def dp_per_scrip_day(self) -> Decimal:
        """The base model's DP charge, scaled."""
        return self.base.dp_per_scrip_day * Decimal(repr(self.factor))

    def order_charges(
        self,
        exchange: Exchange,
        trade_date: date,
        side: Side,
        intraday_value: Decimal,
        carried_value: Decimal,
        carried_segment: Segment,
        brokerage_segment: Segment,
    ) -> Charges:
        """The base model's netted order charges, each item scaled."""
        base = self.base.order_charges(
            exchange, trade_date, side, intraday_value, carried_value, carried_segment, brokerage_segment
        )
        return base.scaled(Decimal(repr(self.factor)))

    def order_pricer(self, exchange: Exchange, trade_date: date, carried_segment: Segment) -> OrderPricer:
        """The base model's pricer of one scrip-day, each item scaled."""
        base = self.base.order_pricer(exchange, trade_date, carried_segment)
        factor = Decimal(repr(self.factor))

        def pricer(side: Side, intraday: Decimal, carried: Decimal, brokerage: Segment) -> ChargeItems:
            return tuple([item * factor for item in base(side, intraday, carried, brokerage)])

        return pricer

    def _items_array(self, exchange: Exchange, segment: Segment, legs: LegArrays) -> dict[str, np.ndarray]:
        """The base model's items, scaled."""
        items = self.base._items_array(exchange, segment, legs)
        return {k: v * self.factor for k, v in items.items()}
