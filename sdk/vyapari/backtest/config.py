"""Backtest configuration, validated once at the edge (a frozen dataclass)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True, init=False)
class BacktestConfig:
    """How a backtest is run, validated once when built.

    The constructor takes a fee model or its spec (``"zerodha"``, ``"upstox"``, ``"none"``,
    ``"bps:N"``) and enum members or their values (``path="event"``), and stores the normalised
    values, so a notebook can write ``BacktestConfig(fees="upstox", path="event")``.

    Attributes
    ----------
    capital_inr : float
        Starting cash in ₹ (> 0).
    fees : FeeModel
        Cash charges per fill.
    slippage : SlippageModel
        Price impact and the per-bar volume cap.
    exchange : Exchange
        The exchange whose charges apply (its cash segment).
    segment : Segment | None
        Charge segment; ``None`` derives it from the strategy's product (CNC → delivery,
        MIS → intraday).
    fill_at : FillAt
        Market orders fill at the next bar's open (default) or the same bar's close.
    leverage : dict
        Buying power multiple per product (gross exposure ≤ leverage × equity).
    path : EnginePath
        ``auto`` (kernel when possible), ``vector`` (kernel or error) or ``event``.
    run_id : str
        The run's name in its outputs.
    """

    capital_inr: float
    fees: FeeModel
    slippage: SlippageModel
    exchange: Exchange
    segment: Segment | None
    fill_at: FillAt
    leverage: dict[Any, float]
    path: EnginePath
    run_id: str

    def __init__(
        self,
        capital_inr: float = 1_000_000.0,
        fees: FeeModel | str | None = None,
        slippage: SlippageModel | None = None,
        exchange: Exchange | str = Exchange.NSE,
        segment: Segment | str | None = None,
        fill_at: FillAt | str = FillAt.NEXT_OPEN,
        leverage: Mapping[Any, float] | None = None,
        path: EnginePath | str = EnginePath.AUTO,
        run_id: str = "backtest",
    ) -> None:
        if not capital_inr > 0:
            raise InvalidInput("capital_inr", f"must be a positive amount in ₹, got {capital_inr}")
        levels = dict(DEFAULT_LEVERAGE if leverage is None else leverage)
        for product, lev in levels.items():
            if not lev >= 1:
                raise InvalidInput("leverage", f"{product}: must be >= 1, got {lev}")
        values = {
            "capital_inr": capital_inr,
            "fees": default_fees() if fees is None else fee_model_from_spec(fees),
            "slippage": default_slippage() if slippage is None else slippage,
            "exchange": Exchange(exchange).cash_exchange,
            "segment": None if segment is None else Segment(segment),
            "fill_at": FillAt(fill_at),
            "leverage": levels,
            "path": EnginePath(path),
            "run_id": run_id,
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def segment_for(self, product: ProductType) -> Segment:
        """The charge segment of the run for a strategy trading ``product``."""
        if self.segment is not None:
            return self.segment
        return Segment.INTRADAY if product is ProductType.MIS else Segment.DELIVERY

    def leverage_for(self, product: ProductType) -> float:
        """Buying-power multiple for ``product`` (1 when not configured)."""
        return float(dict(self.leverage).get(product, 1.0))
