"""Slippage models: how far a fill's **price** is from the reference price, and how much fills.

Slippage is price, fees are cash (:mod:`vyapari.costs.base`); the two are separate models
(zipline, nautilus). Slippage is always adverse: a buy fills at or above the reference
price, a sell at or below. Fill prices are not rounded to the tick here (the matching
engine owns tick rounding).

Every model has scalar Decimal methods and float64/int64 array twins for the kernel:

* ``fill_price(side, reference_price, quantity, bar_volume) -> Decimal`` (₹);
* ``max_fill_quantity(bar_volume) -> int``: the most units that can fill in one bar
  (:data:`UNLIMITED` when the model does not cap fills).

``fill_price_float`` is the array twin for one fill in Python floats (the same IEEE double
operations in the same order, so the same result to the bit): the event loop and the paper
broker price fills one at a time, where numpy's per-call overhead dominated.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import ClassVar

import numpy as np

from vyapari.core.errors import InvalidInput
from vyapari.core.money import to_decimal
from vyapari.model.enums import Side

UNLIMITED = int(np.iinfo(np.int64).max)
"""``max_fill_quantity`` of a model that does not cap fills by volume."""

_BPS = Decimal(10_000)


def _decimal_field(obj: object, name: str, *, low: Decimal, high: Decimal | None = None) -> None:
    """Coerce ``obj.name`` to Decimal and check ``low <= value [<= high]``; ValueError names it."""
    try:
        value = to_decimal(getattr(obj, name), name=name)
    except ValueError as exc:
        raise InvalidInput(name, str(exc)) from None
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"between {low} and {high}"
        raise InvalidInput(name, f"must be {bound}, got {value}")
    object.__setattr__(obj, name, value)


class SlippageModel(ABC):
    """Adverse price impact and per-bar fill caps."""

    volume_free: ClassVar[bool] = False
    """True when neither fill prices nor the cap depend on the bar's volume (a market order's fill
    is then known from the bar's open alone: the paper broker may fill it at the opening trade)."""

    @abstractmethod
    def fill_price(self, side: Side, reference_price: Decimal, quantity: int, bar_volume: int) -> Decimal:
        """Fill price in ₹ of ``quantity`` units on ``side`` against a bar of ``bar_volume`` units."""

    @abstractmethod
    def max_fill_quantity(self, bar_volume: int) -> int:
        """The most units that may fill in a bar that traded ``bar_volume`` units."""

    @abstractmethod
    def fill_price_array(
        self, side_sign: np.ndarray, ref_price: np.ndarray, quantity: np.ndarray, bar_volume: np.ndarray
    ) -> np.ndarray:
        """float64 twin of :meth:`fill_price` (``side_sign`` +1 buy / -1 sell)."""

    @abstractmethod
    def max_fill_quantity_array(self, bar_volume: np.ndarray) -> np.ndarray:
        """int64 twin of :meth:`max_fill_quantity`."""

    def fill_price_float(self, side_sign: int, ref_price: float, quantity: int, bar_volume: int) -> float:
        """:meth:`fill_price_array` for one fill (a model may override it with plain float code)."""
        one = self.fill_price_array(
            np.array([side_sign]), np.array([ref_price]), np.array([quantity]), np.array([bar_volume])
        )
        return float(one[0])


@dataclass(frozen=True, slots=True)
class NoSlippage(SlippageModel):
    """Fills at the reference price, without a volume cap."""

    volume_free: ClassVar[bool] = True

    def fill_price(self, side: Side, reference_price: Decimal, quantity: int, bar_volume: int) -> Decimal:
        """``reference_price`` unchanged."""
        return reference_price

    def max_fill_quantity(self, bar_volume: int) -> int:
        """:data:`UNLIMITED`."""
        return UNLIMITED

    def fill_price_array(
        self, side_sign: np.ndarray, ref_price: np.ndarray, quantity: np.ndarray, bar_volume: np.ndarray
    ) -> np.ndarray:
        """``ref_price`` as float64."""
        return np.asarray(ref_price, dtype=np.float64).copy()

    def fill_price_float(self, side_sign: int, ref_price: float, quantity: int, bar_volume: int) -> float:
        """``ref_price``."""
        return float(ref_price)

    def max_fill_quantity_array(self, bar_volume: np.ndarray) -> np.ndarray:
        """:data:`UNLIMITED` per bar."""
        return np.full(np.shape(bar_volume), UNLIMITED, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class FixedBpsSlippage(SlippageModel):
    """A fixed adverse move of ``bps`` basis points: buys pay ref × (1 + bps/10⁴), sells get
    ref × (1 − bps/10⁴). No volume cap. ``bps`` in [0, 10⁴)."""

    volume_free: ClassVar[bool] = True
    bps: Decimal

    def __post_init__(self) -> None:
        _decimal_field(self, "bps", low=Decimal(0))
        if self.bps >= _BPS:
            raise InvalidInput("bps", f"must be below 10000 (100 %), got {self.bps}")

    def fill_price(self, side: Side, reference_price: Decimal, quantity: int, bar_volume: int) -> Decimal:
        """``reference_price`` moved ``bps`` against the trader, in ₹."""
        return reference_price * (1 + Side(side).sign * self.bps / _BPS)

    def max_fill_quantity(self, bar_volume: int) -> int:
        """:data:`UNLIMITED`."""
        return UNLIMITED

    def fill_price_array(
        self, side_sign: np.ndarray, ref_price: np.ndarray, quantity: np.ndarray, bar_volume: np.ndarray
    ) -> np.ndarray:
        """float64 twin of :meth:`fill_price`."""
        sign = np.asarray(side_sign, dtype=np.float64)
        return np.asarray(ref_price, dtype=np.float64) * (1.0 + sign * float(self.bps / _BPS))

    def fill_price_float(self, side_sign: int, ref_price: float, quantity: int, bar_volume: int) -> float:
        """:meth:`fill_price_array` for one fill, in floats."""
        return float(ref_price) * (1.0 + float(side_sign) * float(self.bps / _BPS))

    def max_fill_quantity_array(self, bar_volume: np.ndarray) -> np.ndarray:
        """:data:`UNLIMITED` per bar."""
        return np.full(np.shape(bar_volume), UNLIMITED, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class VolumeShareSlippage(SlippageModel):
    """Impact growing with the square of participation, fills capped at a share of the bar.

    As zipline's ``VolumeShareSlippage``: with participation
    ``share = min(quantity / bar_volume, volume_limit)`` (``volume_limit`` when the bar
    traded nothing), the impact fraction is ``price_impact × share²``; a buy fills at
    ref × (1 + impact), a sell at ref × (1 − impact). At most
    ``floor(volume_limit × bar_volume)`` units fill per bar.

    Attributes
    ----------
    volume_limit : Decimal
        Largest fraction of a bar's volume that may fill, in (0, 1]. Default 0.025.
    price_impact : Decimal
        Impact coefficient (fraction of price at 100 % participation), in [0, 1). Default 0.1.
    """

    volume_limit: Decimal = Decimal("0.025")
    price_impact: Decimal = Decimal("0.1")

    def __post_init__(self) -> None:
        _decimal_field(self, "volume_limit", low=Decimal(0), high=Decimal(1))
        if self.volume_limit == 0:
            raise InvalidInput("volume_limit", "must be > 0")
        _decimal_field(self, "price_impact", low=Decimal(0), high=Decimal(1))

    def _share(self, quantity: int, bar_volume: int) -> Decimal:
        if bar_volume <= 0:
            return self.volume_limit
        return min(Decimal(quantity) / Decimal(bar_volume), self.volume_limit)

    def fill_price(self, side: Side, reference_price: Decimal, quantity: int, bar_volume: int) -> Decimal:
        """Reference price moved by ``price_impact × share²`` against the trader, in ₹."""
        impact = self.price_impact * self._share(quantity, bar_volume) ** 2
        return reference_price * (1 + Side(side).sign * impact)

    def max_fill_quantity(self, bar_volume: int) -> int:
        """``floor(volume_limit × bar_volume)`` units (0 for an empty bar)."""
        if bar_volume <= 0:
            return 0
        return int((self.volume_limit * bar_volume).to_integral_value(rounding=ROUND_FLOOR))

    def fill_price_array(
        self, side_sign: np.ndarray, ref_price: np.ndarray, quantity: np.ndarray, bar_volume: np.ndarray
    ) -> np.ndarray:
        """float64 twin of :meth:`fill_price`."""
        vol = np.asarray(bar_volume, dtype=np.float64)
        qty = np.asarray(quantity, dtype=np.float64)
        share = np.divide(qty, vol, out=np.full(vol.shape, np.inf), where=vol > 0)
        share = np.minimum(share, float(self.volume_limit))
        impact = float(self.price_impact) * share * share
        sign = np.asarray(side_sign, dtype=np.float64)
        return np.asarray(ref_price, dtype=np.float64) * (1.0 + sign * impact)

    def fill_price_float(self, side_sign: int, ref_price: float, quantity: int, bar_volume: int) -> float:
        """:meth:`fill_price_array` for one fill, in floats."""
        vol = float(bar_volume)
        share = float(quantity) / vol if vol > 0 else math.inf
        share = min(share, float(self.volume_limit))
        impact = float(self.price_impact) * share * share
        return float(ref_price) * (1.0 + float(side_sign) * impact)

    def max_fill_quantity_array(self, bar_volume: np.ndarray) -> np.ndarray:
        """int64 twin of :meth:`max_fill_quantity`, exact (integer arithmetic)."""
        num, den = self.volume_limit.as_integer_ratio()
        vol = np.maximum(np.asarray(bar_volume, dtype=np.int64), 0)
        return (vol * np.int64(num)) // np.int64(den)
