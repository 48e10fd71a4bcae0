"""Fill prices and volume caps (₹, shares): slippage applied, rounded half up to the paisa.

The single place both backtest paths and the paper broker price a market or stop-market
fill, so their fills agree to the paisa.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

from vyapari.core.money import to_decimal
from vyapari.costs.slippage import SlippageModel


def round_paise_array(price: np.ndarray) -> np.ndarray:
    """Round ₹ prices half up to the paisa (robust to binary noise)."""
    return np.floor(np.asarray(price) * 100.0 + 0.5 + 1e-7) / 100.0


def fill_prices(
    slippage: SlippageModel, side_sign: np.ndarray, ref: np.ndarray, qty: np.ndarray, volume: np.ndarray
) -> np.ndarray:
    """Fill prices in ₹ for market fills: slippage applied, rounded to the paisa."""
    raw = slippage.fill_price_array(side_sign, ref, np.abs(qty), volume.astype(np.int64))
    return round_paise_array(raw)


def round_paise(price: float) -> float:
    """:func:`round_paise_array` for one price (the same float operations)."""
    return math.floor(price * 100.0 + 0.5 + 1e-7) / 100.0


def fill_price_one(slippage: SlippageModel, sign: int, ref: float, qty: int, volume: float) -> float:
    """:func:`fill_prices` for one fill, in Python floats (bit-identical, without numpy's overhead)."""
    vol = 0 if math.isnan(volume) else int(volume)  # NaN fills like an empty bar, as in the arrays
    return round_paise(slippage.fill_price_float(sign, ref, abs(qty), vol))


def volume_caps(slippage: SlippageModel, volume: np.ndarray) -> np.ndarray:
    """Most shares that may fill per bar ``[T, N]`` (int64)."""
    vol = np.nan_to_num(volume).astype(np.int64)
    return slippage.max_fill_quantity_array(vol).astype(np.int64)


def max_fill_quantity(slippage: SlippageModel, volume: float) -> int:
    """Most units that may fill in a bar of ``volume`` units (the slippage model's cap: its exact
    scalar method, equal to its array twin)."""
    return slippage.max_fill_quantity(0 if math.isnan(volume) else int(volume))


def to_price(value: float) -> Decimal:
    """A float ₹ price as the Decimal the ledger books (its shortest repr)."""
    return to_decimal(float(value))
