"""Risk sizers turn a target weight into a quantity of shares when the weight changes.

Convention: the size is fixed when a position is entered (the weight changes) and held
until the weight changes again, so prices moving do not cause rebalancing trades.
Quantities are whole lots (``lot_size`` shares each) and an entry never costs more than
the capital the sizer is given (cash for delivery; cash × leverage for intraday).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

TRADING_MINUTES_PER_YEAR = 250 * 375


@dataclass(frozen=True, slots=True)
class SizingInputs:
    """Per change point: weight, price (₹), trailing mean and std of bar returns, lot size."""

    weight: np.ndarray
    price: np.ndarray
    mean_return: np.ndarray
    volatility: np.ndarray
    lot_size: np.ndarray
    capital: float


class RiskSizer(ABC):
    """Size new positions: ``quantities(inputs) -> int64[K]`` (signed shares, whole lots)."""

    lookback: int = 0

    @abstractmethod
    def raw_quantity(self, inputs: SizingInputs) -> np.ndarray:
        """Unrounded signed quantity per change point (shares)."""

    def quantities(self, inputs: SizingInputs) -> np.ndarray:
        """Signed quantities rounded toward zero to whole lots and capped by capital."""
        raw = self.raw_quantity(inputs)
        price = np.where(inputs.price > 0, inputs.price, np.inf)
        cap = np.floor(inputs.capital / price)
        raw = np.sign(raw) * np.minimum(np.abs(raw), cap)
        lots = np.trunc(np.nan_to_num(raw / inputs.lot_size))
        return (lots * inputs.lot_size).astype(np.int64)


@dataclass(frozen=True)
class FixedQuantity(RiskSizer):
    """``quantity`` shares per unit weight (e.g. 10 shares long for weight 1)."""

    quantity: int = 1

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"quantity must be positive, got {self.quantity}")

    def raw_quantity(self, inputs: SizingInputs) -> np.ndarray:
        return inputs.weight * self.quantity


@dataclass(frozen=True)
class FixedNotional(RiskSizer):
    """``notional_inr`` ₹ of exposure per unit weight, at the entry price."""

    notional_inr: float = 100_000.0

    def __post_init__(self) -> None:
        if self.notional_inr <= 0:
            raise ValueError(f"notional_inr must be positive, got {self.notional_inr}")

    def raw_quantity(self, inputs: SizingInputs) -> np.ndarray:
        return inputs.weight * self.notional_inr / inputs.price


@dataclass(frozen=True)
class VolatilityTarget(RiskSizer):
    """Size so the position's annualised volatility is ``annual_target`` of ``capital``.

    ``lookback`` bars of returns estimate volatility; ``bars_per_year`` annualises it
    (93,750 for 1-minute bars, 250 for daily). A position never exceeds ``max_leverage`` ×
    capital in notional.
    """

    annual_target: float = 0.15
    lookback: int = 20
    bars_per_year: int = TRADING_MINUTES_PER_YEAR
    max_leverage: float = 1.0

    def raw_quantity(self, inputs: SizingInputs) -> np.ndarray:
        annual_vol = inputs.volatility * np.sqrt(self.bars_per_year)
        with np.errstate(divide="ignore", invalid="ignore"):
            fraction = np.where(annual_vol > 0, self.annual_target / annual_vol, 0.0)
        fraction = np.minimum(fraction, self.max_leverage)
        return inputs.weight * fraction * inputs.capital / inputs.price


@dataclass(frozen=True)
class Kelly(RiskSizer):
    """Fractional Kelly: ``fraction × mean / variance`` of trailing returns, capped at ``cap``."""

    fraction: float = 0.5
    cap: float = 1.0
    lookback: int = 50

    def __post_init__(self) -> None:
        if not 0 < self.fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {self.fraction}")

    def raw_quantity(self, inputs: SizingInputs) -> np.ndarray:
        var = inputs.volatility**2
        with np.errstate(divide="ignore", invalid="ignore"):
            kelly = np.where(var > 0, inputs.mean_return / var, 0.0)
        kelly = np.clip(self.fraction * kelly * np.sign(inputs.weight), 0.0, self.cap)
        return np.sign(inputs.weight) * kelly * inputs.capital / inputs.price


def trailing_return_stats(close: np.ndarray, lookback: int) -> tuple[np.ndarray, np.ndarray]:
    """Trailing mean and std ``[T, N]`` of simple bar returns over ``lookback`` bars (past only)."""
    from vyapari.strategy.signals import rolling_mean

    ret = np.zeros_like(close)
    ret[1:] = close[1:] / close[:-1] - 1.0
    ret = np.nan_to_num(ret)
    mean = rolling_mean(ret, lookback)
    var = np.maximum(rolling_mean(ret * ret, lookback) - mean * mean, 0.0)
    return np.nan_to_num(mean), np.nan_to_num(np.sqrt(var))


def hold_targets(
    weights: np.ndarray, close: np.ndarray, lot_sizes: np.ndarray, sizer: RiskSizer, capital: float
) -> np.ndarray:
    """Target quantities ``[T, N]``: sized where the weight changes, held otherwise.

    A weight "changes" at row 0 when it is non-zero, and at row t when it differs from
    row t-1. Sizing inputs are taken at the change point (no look-ahead).
    """
    from vyapari.core.aot import kernel

    weights = np.nan_to_num(weights)
    change = np.empty(weights.shape, dtype=bool)
    change[0] = weights[0] != 0
    np.not_equal(weights[1:], weights[:-1], out=change[1:])
    rows, cols = np.nonzero(change)
    if sizer.lookback >= 2:
        mean, vol = trailing_return_stats(close, sizer.lookback)
        mean_k, vol_k = mean[rows, cols], vol[rows, cols]
    else:
        mean_k = vol_k = np.zeros(rows.size)
    inputs = SizingInputs(
        weight=weights[rows, cols],
        price=np.nan_to_num(close[rows, cols]),
        mean_return=mean_k,
        volatility=vol_k,
        lot_size=lot_sizes[cols],
        capital=capital,
    )
    return kernel("hold_sized")(weights, rows, cols, sizer.quantities(inputs))
