"""The charges of a round trip (a buy and a sell of the same quantity), or of one leg of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from vyapari.core.errors import InvalidInput
from vyapari.core.money import round_paise
from vyapari.costs.base import FeeModel, TradeLeg
from vyapari.model.charges import NO_CHARGES, Charges
from vyapari.model.enums import Exchange, Segment, Side


@dataclass(frozen=True, slots=True)
class RoundTripCharges:
    """Charges of a buy leg and/or a sell leg of ``quantity`` units.

    Attributes
    ----------
    buy, sell : Charges or None
        Exact itemised charges of each leg in ₹ (STT as the model rounds it); ``None`` for
        an omitted leg.
    quantity : int
        Units per leg.
    total : Decimal
        ``round_paise`` of the sum of both legs' exact items, in ₹ (DP included).
    breakeven_points : Decimal
        ₹ of price move per unit that pays for ``total``: ``round_paise(total / quantity)``.
    """

    buy: Charges | None
    sell: Charges | None
    quantity: int
    total: Decimal
    breakeven_points: Decimal

    @property
    def combined(self) -> Charges:
        """Both legs' exact items summed (item-wise), in ₹."""
        return (self.buy or NO_CHARGES) + (self.sell or NO_CHARGES)

    @property
    def total_exact(self) -> Decimal:
        """The unrounded total in ₹."""
        return self.combined.total


def round_trip(
    model: FeeModel,
    exchange: Exchange,
    segment: Segment,
    quantity: int,
    buy_price: Decimal | None,
    sell_price: Decimal | None,
    trade_date: date,
) -> RoundTripCharges:
    """Price a buy at ``buy_price`` and a sell at ``sell_price`` (₹ per unit) on ``trade_date``.

    Either price may be ``None`` for a buy-only or sell-only trade, not both
    (``InvalidInput`` naming ``buy_price/sell_price``). Both legs use the same session date.
    """
    if buy_price is None and sell_price is None:
        raise InvalidInput("buy_price/sell_price", "give at least one of the buy and sell prices")

    def leg(side: Side, price: Decimal | None) -> Charges | None:
        if price is None:
            return None
        return model.charges(TradeLeg(exchange, segment, side, quantity, price, trade_date))

    buy, sell = leg(Side.BUY, buy_price), leg(Side.SELL, sell_price)
    total = round_paise(((buy or NO_CHARGES) + (sell or NO_CHARGES)).total)
    return RoundTripCharges(buy, sell, quantity, total, round_paise(total / quantity))
