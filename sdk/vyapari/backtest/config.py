"""Backtest configuration, validated once at the edge (a frozen dataclass)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from vyapari.core.errors import InvalidInput
from vyapari.costs.base import FeeModel
from vyapari.costs.defaults import default_fees, default_slippage
from vyapari.costs.slippage import SlippageModel
from vyapari.costs.spec import fee_model_from_spec
from vyapari.execution.limits import DEFAULT_LEVERAGE
from vyapari.model.enums import Exchange, ProductType, Segment


class FillAt(str, Enum):
    """When market orders fill: the next bar's open (default) or the same bar's close."""

    NEXT_OPEN = "next_open"
    SAME_CLOSE = "same_close"


class EnginePath(str, Enum):
    """Which engine runs: ``auto`` uses the array kernel when the strategy allows it."""

    AUTO = "auto"
    VECTOR = "vector"
    EVENT = "event"


@dataclass(frozen=True)
class BacktestConfig:
    """How a backtest is run.

    Attributes
    ----------
    capital_inr : float
        Starting cash in ₹ (> 0).
    fees : FeeModel
        Cash charges per fill (normalised from ``"zerodha"``, ``"upstox"``, ``"none"``, ``"bps:N"``).
    slippage : SlippageModel
        Price impact and the per-bar volume cap.
    exchange : Exchange
        The exchange whose charges apply.
    segment : Segment | None
        Charge segment; ``None`` derives it from the strategy's product (CNC → delivery,
        MIS → intraday).
    fill_at : FillAt
        Market orders fill at the next bar's open (default) or the same bar's close.
    leverage : dict
        Buying power multiple per product (gross exposure ≤ leverage × equity).
    path : EnginePath
        ``auto`` (kernel when possible), ``vector`` (kernel or error) or ``event``.
    """

    capital_inr: float = 1_000_000.0
    fees: FeeModel = field(default_factory=default_fees)
    slippage: SlippageModel = field(default_factory=default_slippage)
    exchange: Exchange = Exchange.NSE
    segment: Segment | None = None
    fill_at: FillAt = FillAt.NEXT_OPEN
    leverage: Any = field(default_factory=lambda: dict(DEFAULT_LEVERAGE))
    path: EnginePath = EnginePath.AUTO
    run_id: str = "backtest"

    def __post_init__(self) -> None:
        if not self.capital_inr > 0:
            raise InvalidInput("--capital", f"must be a positive amount in ₹, got {self.capital_inr}")
        object.__setattr__(self, "fees", fee_model_from_spec(self.fees))
        object.__setattr__(self, "fill_at", FillAt(self.fill_at))
        object.__setattr__(self, "path", EnginePath(self.path))
        object.__setattr__(self, "exchange", Exchange(self.exchange).cash_exchange)
        for product, lev in dict(self.leverage).items():
            if not lev >= 1:
                raise InvalidInput("leverage", f"{product}: must be >= 1, got {lev}")

    def segment_for(self, product: ProductType) -> Segment:
        """The charge segment of the run for a strategy trading ``product``."""
        if self.segment is not None:
            return self.segment
        return Segment.INTRADAY if product is ProductType.MIS else Segment.DELIVERY

    def leverage_for(self, product: ProductType) -> float:
        """Buying-power multiple for ``product`` (1 when not configured)."""
        return float(dict(self.leverage).get(product, 1.0))
