"""The fee-model interface, the trade leg it prices, and the two trivial models.

Fees are cash (₹), separate from slippage (price): see :mod:`vyapari.costs.slippage`.

Conventions
-----------
* ``FeeModel.charges(leg)`` returns a :class:`~vyapari.model.charges.Charges` whose items
  are **exact** (unrounded) Decimals in ₹, except STT, which the Indian models round half
  up to the rupee per leg unless ``exact_stt=True``. Round for display with
  ``Charges.rounded()`` and round totals with :func:`~vyapari.core.money.round_paise`.
* ``FeeModel.charges_total_array(...)`` is the float64 twin used by the backtest kernel:
  each leg's total charges in ₹ (same rounding of STT), equal to ``charges(leg).total``
  within 1e-6 ₹ for paisa-aligned prices.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter

import numpy as np

from vyapari.core.errors import InvalidInput
from vyapari.core.money import ZERO, to_decimal
from vyapari.model.charges import NO_CHARGES, Charges
from vyapari.model.enums import Exchange, Segment, Side


@dataclass(frozen=True, slots=True)
class TradeLeg:
    """One executed order to be priced.

    Attributes
    ----------
    exchange : Exchange
        NSE, BSE, or the derivative names NFO/BFO (charged as NSE/BSE).
    segment : Segment
        Delivery, intraday, futures or options.
    side : Side
        Buy or sell.
    quantity : int
        Units traded (> 0); for derivatives, contracts × lot size.
    price : Decimal
        Price per unit in ₹ (> 0); for options, the premium.
    trade_date : date
        IST session date of the trade (picks the charge regime).
    """

    exchange: Exchange
    segment: Segment
    side: Side
    quantity: int
    price: Decimal
    trade_date: date

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "exchange", Exchange(self.exchange))
            object.__setattr__(self, "segment", Segment(self.segment))
            object.__setattr__(self, "side", Side(self.side))
        except ValueError as exc:
            raise InvalidInput("leg", str(exc)) from None
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int) or self.quantity <= 0:
            raise InvalidInput("quantity", f"must be a whole number > 0, got {self.quantity!r}")
        price = to_decimal(self.price, name="price")
        if price <= 0:
            raise InvalidInput("price", f"must be > 0 ₹, got {price}")
        object.__setattr__(self, "price", price)
        if isinstance(self.trade_date, datetime) or not isinstance(self.trade_date, date):
            raise InvalidInput("trade_date", f"must be a session date, got {self.trade_date!r}")

    @property
    def turnover(self) -> Decimal:
        """Traded value in ₹: quantity × price (premium turnover for options)."""
        return self.price * self.quantity


ChargeItems = tuple[Decimal, ...]
"""A :class:`~vyapari.model.charges.Charges`' items (₹) in field order, brokerage to DP."""

OrderPricer = Callable[[Side, Decimal, Decimal, Segment], ChargeItems]
"""One scrip-day's order charges (₹): ``(side, intraday_value ₹, carried_value ₹, brokerage_segment)``
→ the items of :meth:`FeeModel.order_charges` (see :meth:`FeeModel.order_pricer`)."""

_ITEMS_OF = attrgetter(*(f.name for f in fields(Charges)))


@dataclass(frozen=True, slots=True)
class LegArrays:
    """Validated, typed arrays describing many legs of one exchange and segment."""

    side_sign: np.ndarray
    quantity: np.ndarray
    price: np.ndarray
    trade_date: np.ndarray

    @property
    def turnover(self) -> np.ndarray:
        """Turnover per leg in ₹ (float64)."""
        return self.quantity * self.price

    @property
    def is_buy(self) -> np.ndarray:
        """Boolean mask of buy legs."""
        return self.side_sign > 0


def leg_arrays(
    side_sign: np.ndarray, quantity: np.ndarray, price: np.ndarray, trade_date: np.ndarray
) -> LegArrays:
    """Coerce and check the array arguments of ``charges_total_array``.

    Raises ``InvalidInput`` for unequal lengths, a side sign other than ±1, a quantity < 1
    or a price that is not a positive finite number.
    """
    arrays = LegArrays(
        np.asarray(side_sign, dtype=np.int8),
        np.asarray(quantity, dtype=np.int64),
        np.asarray(price, dtype=np.float64),
        np.asarray(trade_date, dtype="datetime64[D]"),
    )
    n = arrays.side_sign.shape
    if any(a.shape != n for a in (arrays.quantity, arrays.price, arrays.trade_date)):
        raise InvalidInput("arrays", "side_sign, quantity, price and trade_date must have one shape")
    if arrays.side_sign.size == 0:
        return arrays
    if np.any(np.abs(arrays.side_sign) != 1):
        raise InvalidInput("side_sign", "must be +1 (buy) or -1 (sell)")
    if arrays.quantity.min() <= 0:
        raise InvalidInput("quantity", "must be > 0")
    if not np.all(np.isfinite(arrays.price)) or arrays.price.min() <= 0:
        raise InvalidInput("price", "must be finite and > 0 ₹")
    return arrays


class FeeModel(ABC):
    """Computes the cash charges of trade legs.

    Subclasses implement :meth:`charges`; array-speed models also implement
    :meth:`_items_array` on validated :class:`LegArrays` (the default loops over :meth:`charges`).
    :meth:`charges_items_array` and :meth:`charges_total_array` are the public array API.
    """

    @property
    def name(self) -> str:
        """A short label for reports (``"zerodha"``, ``"bps:5"``, ...)."""
        return type(self).__name__

    @abstractmethod
    def charges(self, leg: TradeLeg) -> Charges:
        """Itemised charges of ``leg`` in ₹ (exact items; STT rounded unless exact)."""

    @property
    def dp_per_scrip_day(self) -> Decimal:
        """DP charge in ₹ per scrip-day on which delivery shares leave the demat (none here)."""
        return ZERO

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
        """One executed order's charges in ₹ (no DP) once its scrip-day is netted.

        ``intraday_value`` is the order's turnover (₹) matched by opposite trades of the same
        scrip and session, charged at intraday rates; ``carried_value`` the rest, charged in
        ``carried_segment``; brokerage is ``brokerage_segment``'s rule on the whole turnover.
        This default prices each part as a one-unit leg, which is exact for models linear in
        turnover (:class:`NoFees`, :class:`SimpleFees`); the Indian models override it.
        """
        out = NO_CHARGES
        for segment, value in ((Segment.INTRADAY, intraday_value), (carried_segment, carried_value)):
            if value > 0:
                out = out + self.charges(TradeLeg(exchange, segment, side, 1, value, trade_date))
        return out

    def order_pricer(self, exchange: Exchange, trade_date: date, carried_segment: Segment) -> OrderPricer:
        """:meth:`order_charges` of one scrip-day: ``pricer(side, intraday_value, carried_value,
        brokerage_segment)`` with ``exchange``, ``trade_date`` and ``carried_segment`` bound (the
        Indian models look their rates up once here); the same Decimals as :meth:`order_charges`,
        as a tuple of items (:data:`ChargeItems`: the charge book sums items, not Charges)."""

        def pricer(side: Side, intraday: Decimal, carried: Decimal, brokerage: Segment) -> ChargeItems:
            charges = self.order_charges(
                exchange, trade_date, side, intraday, carried, carried_segment, brokerage
            )
            items: ChargeItems = _ITEMS_OF(charges)
            return items

        return pricer

    def charges_total_array(
        self,
        exchange: Exchange,
        segment: Segment,
        side_sign: np.ndarray,
        quantity: np.ndarray,
        price: np.ndarray,
        trade_date: np.ndarray,
    ) -> np.ndarray:
        """Each leg's total charges in ₹ as float64: the sum of :meth:`charges_items_array`.

        Parameters
        ----------
        exchange, segment
            Shared by every leg.
        side_sign : ndarray of int8
            +1 buy, -1 sell.
        quantity : ndarray of int64
            Units per leg (> 0).
        price : ndarray of float64
            ₹ per unit (premium for options).
        trade_date : ndarray of datetime64[D]
            IST session date per leg; may span several charge regimes.
        """
        items = self.charges_items_array(exchange, segment, side_sign, quantity, price, trade_date)
        return sum(items.values(), np.zeros(np.shape(side_sign), dtype=np.float64))

    def charges_items_array(
        self,
        exchange: Exchange,
        segment: Segment,
        side_sign: np.ndarray,
        quantity: np.ndarray,
        price: np.ndarray,
        trade_date: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """Each leg's itemised charges in ₹ as float64 arrays keyed like :class:`Charges`.

        Validates the arrays once (:func:`leg_arrays`) and hands them to :meth:`_items_array`.
        """
        return self._items_array(exchange, segment, leg_arrays(side_sign, quantity, price, trade_date))

    def _items_array(self, exchange: Exchange, segment: Segment, legs: LegArrays) -> dict[str, np.ndarray]:
        """Items per leg; this default loops over :meth:`charges`, array-speed models override it."""
        names = list(NO_CHARGES.as_dict())
        out = {name: np.zeros(legs.side_sign.shape, dtype=np.float64) for name in names}
        for i in range(legs.side_sign.size):
            leg = TradeLeg(
                exchange,
                segment,
                Side.BUY if legs.side_sign[i] > 0 else Side.SELL,
                int(legs.quantity[i]),
                to_decimal(float(legs.price[i])),
                legs.trade_date[i].item(),
            )
            for name, value in self.charges(leg).as_dict().items():
                out[name][i] = float(value)
        return out


@dataclass(frozen=True, slots=True)
class NoFees(FeeModel):
    """A model that charges nothing (frictionless studies)."""

    @property
    def name(self) -> str:
        """``"none"``."""
        return "none"

    def charges(self, leg: TradeLeg) -> Charges:
        """No charges."""
        return NO_CHARGES

    def _items_array(self, exchange: Exchange, segment: Segment, legs: LegArrays) -> dict[str, np.ndarray]:
        """Every item zero, per leg."""
        return {name: np.zeros(legs.side_sign.shape) for name in NO_CHARGES.as_dict()}


@dataclass(frozen=True, slots=True)
class SimpleFees(FeeModel):
    """Brokerage only, ``bps`` basis points of turnover per leg; every other item is zero.

    For quick studies where the Indian schedule's detail does not matter. ``bps`` ≥ 0
    (``Decimal("5")`` is 0.05 % of turnover).
    """

    bps: Decimal

    def __post_init__(self) -> None:
        try:
            bps = to_decimal(self.bps, name="bps")
        except ValueError as exc:
            raise InvalidInput("bps", str(exc)) from None
        if bps < 0:
            raise InvalidInput("bps", f"must be >= 0, got {bps}")
        object.__setattr__(self, "bps", bps)

    @property
    def name(self) -> str:
        """``"bps:<bps>"``."""
        return f"bps:{self.bps}"

    @property
    def rate(self) -> Decimal:
        """The brokerage as a fraction of turnover."""
        return self.bps / Decimal(10_000)

    def charges(self, leg: TradeLeg) -> Charges:
        """Brokerage = ``bps`` of the leg's turnover; other items zero."""
        return Charges(brokerage=leg.turnover * self.rate if self.bps else ZERO)

    def _items_array(self, exchange: Exchange, segment: Segment, legs: LegArrays) -> dict[str, np.ndarray]:
        """Brokerage ``bps`` of turnover; every other item zero."""
        items = {name: np.zeros(legs.side_sign.shape) for name in NO_CHARGES.as_dict()}
        items["brokerage"] = legs.turnover * float(self.rate)
        return items
