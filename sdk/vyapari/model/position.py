"""A position in one instrument, changed by fills (:meth:`Position.apply`) and by splits and
bonuses (:meth:`Position.apply_split`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from vyapari.core.errors import DuplicateFill, InvalidInput
from vyapari.core.money import ZERO
from vyapari.model.events import Fill


@dataclass(slots=True)
class Position:
    """Signed ``quantity`` (long > 0, short < 0), average entry ``average_price`` ₹ and
    ``realised_pnl`` ₹ (gross of charges; charges are tracked on fills and the portfolio).
    """

    instrument_id: str
    quantity: int = 0
    average_price: Decimal = ZERO
    realised_pnl: Decimal = ZERO
    _trade_ids: set[str] = field(default_factory=set, repr=False)

    def apply(self, fill: Fill) -> Decimal:
        """Apply ``fill`` and return the P&L it realised in ₹.

        Raises :class:`DuplicateFill` for a ``trade_id`` already applied and
        :class:`InvalidInput` for a fill of another instrument.
        """
        if fill.instrument_id != self.instrument_id:
            raise InvalidInput("fill", f"{fill.instrument_id} applied to position in {self.instrument_id}")
        if fill.trade_id in self._trade_ids:
            raise DuplicateFill(f"trade {fill.trade_id} already applied to {self.instrument_id}")
        self._trade_ids.add(fill.trade_id)
        signed = fill.signed_quantity
        realised = ZERO
        if self.quantity == 0 or (self.quantity > 0) == (signed > 0):
            total = self.average_price * abs(self.quantity) + fill.price * abs(signed)
            self.quantity += signed
            self.average_price = total / abs(self.quantity)
        else:
            closing = min(abs(signed), abs(self.quantity))
            direction = 1 if self.quantity > 0 else -1
            realised = (fill.price - self.average_price) * closing * direction
            self.quantity += signed
            if self.quantity == 0:
                self.average_price = ZERO
            elif (self.quantity > 0) != (direction > 0):
                self.average_price = fill.price  # flipped through zero: the rest opens anew
        self.realised_pnl += realised
        return realised

    def apply_split(self, ratio: Decimal) -> Decimal:
        """A split or bonus on its ex-date, as brokers settle it: the quantity is multiplied by
        ``ratio`` (shares after / before; whole shares, toward zero) and the average price divided
        by it. Returns the fractional share left over (paid in cash by the company)."""
        if not ratio > 0:
            raise InvalidInput("ratio", f"must be > 0, got {ratio}")
        exact = self.quantity * ratio
        whole = int(exact)
        self.quantity = whole
        if whole:
            self.average_price = self.average_price / ratio
        else:
            self.average_price = ZERO
        return exact - whole

    def unrealised_pnl(self, mark_price: Decimal) -> Decimal:
        """P&L in ₹ of the open quantity marked at ``mark_price``."""
        return (mark_price - self.average_price) * self.quantity

    def market_value(self, mark_price: Decimal) -> Decimal:
        """Signed value in ₹ of the open quantity at ``mark_price``."""
        return mark_price * self.quantity
