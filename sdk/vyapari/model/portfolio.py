"""The portfolio ledger: cash, positions, realised and unrealised P&L, itemised charges paid.

Cash accounting (₹): a buy debits ``quantity × price``, a sell credits it; every fill's
charges are debited. So ``cash + Σ position value`` changes only by price moves, charges and
corporate actions (a dividend credits cash; a split changes quantity and price, not value).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from vyapari.core.money import ZERO
from vyapari.model.charges import NO_CHARGES, Charges
from vyapari.model.events import Fill
from vyapari.model.position import Position

_NO_TOTAL = NO_CHARGES.total


@dataclass(slots=True)
class Portfolio:
    """Cash in ₹, positions by ``instrument_id``, the fills booked and the charges paid
    (:attr:`charges_paid`, summed fill by fill when read)."""

    initial_cash: Decimal
    cash: Decimal = ZERO
    positions: dict[str, Position] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    _paid: Charges = field(default=NO_CHARGES, init=False, repr=False)
    _paid_through: int = field(default=0, init=False, repr=False)  # fills summed into _paid

    def __post_init__(self) -> None:
        if not self.fills and self.cash == ZERO:
            self.cash = self.initial_cash
        self._paid_through = len(self.fills)  # fills given at construction were not applied here

    @property
    def charges_paid(self) -> Charges:
        """The itemised charges (₹) of every fill applied: the same sums, in order, as adding each
        fill's charges when it was applied (the sum is taken when read, not per fill)."""
        fills = self.fills
        if self._paid_through < len(fills):
            paid = self._paid
            for fill in fills[self._paid_through :]:
                if fill.charges is not NO_CHARGES or paid is not NO_CHARGES:  # 0 + 0 is 0 already
                    paid = paid + fill.charges
            self._paid, self._paid_through = paid, len(fills)
        return self._paid

    def position(self, instrument_id: str) -> Position:
        """The position in ``instrument_id`` (created flat if absent)."""
        pos = self.positions.get(instrument_id)
        if pos is None:
            pos = self.positions[instrument_id] = Position(instrument_id)
        return pos

    def apply(self, fill: Fill) -> Decimal:
        """Book ``fill``: position first (it rejects duplicates), then cash and charges.

        Returns the realised P&L in ₹ (gross of charges).
        """
        realised = self.position(fill.instrument_id).apply(fill)
        self.cash -= fill.notional * fill.side.sign
        charges = fill.charges
        self.cash -= _NO_TOTAL if charges is NO_CHARGES else charges.total  # (NO_CHARGES.total)
        self.fills.append(fill)
        return realised

    def apply_split(self, instrument_id: str, ratio: Decimal, mark: Decimal) -> None:
        """A split or bonus of ``ratio`` (shares after / before) on its ex-date: the position's
        quantity × ratio, average price ÷ ratio; a fractional share is credited in cash at
        ``mark`` ÷ ratio (``mark`` ₹, the last price before the ex-date)."""
        position = self.positions.get(instrument_id)
        if position is None or position.quantity == 0:
            return
        fraction = position.apply_split(ratio)
        self.cash += fraction * mark / ratio

    def credit_dividend(self, instrument_id: str, per_share: Decimal) -> Decimal:
        """Credit a cash dividend of ``per_share`` ₹ on the position held at its ex-date; returns ₹."""
        position = self.positions.get(instrument_id)
        amount = per_share * position.quantity if position is not None else ZERO
        self.cash += amount
        return amount

    @property
    def realised_pnl(self) -> Decimal:
        """Realised P&L over all positions in ₹, gross of charges."""
        return sum((p.realised_pnl for p in self.positions.values()), ZERO)

    def unrealised_pnl(self, marks: Mapping[str, Decimal]) -> Decimal:
        """Unrealised P&L in ₹ at ``marks`` (price by instrument id) for open positions."""
        return sum((p.unrealised_pnl(marks[i]) for i, p in self.positions.items() if p.quantity), ZERO)

    def equity(self, marks: Mapping[str, Decimal]) -> Decimal:
        """Cash plus the market value of open positions at ``marks``, in ₹."""
        return self.cash + sum(
            (p.market_value(marks[i]) for i, p in self.positions.items() if p.quantity), ZERO
        )
