"""The itemised charges of one trade leg (or a sum of them), in ₹."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from vyapari.core.money import ZERO, round_paise


@dataclass(frozen=True, slots=True)
class Charges:
    """Itemised Indian trading charges in ₹, as a contract note lists them.

    ``exchange_txn`` excludes IPFT, which is its own item (``ipft``); brokers print the two
    together as "exchange transaction charges". ``dp`` is the depository charge on a
    delivery sell (posted to the ledger, not the contract note).
    """

    brokerage: Decimal = ZERO
    stt: Decimal = ZERO
    exchange_txn: Decimal = ZERO
    ipft: Decimal = ZERO
    sebi_fee: Decimal = ZERO
    stamp_duty: Decimal = ZERO
    gst: Decimal = ZERO
    dp: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        """Sum of every item in ₹."""
        return (
            self.brokerage
            + self.stt
            + self.exchange_txn
            + self.ipft
            + self.sebi_fee
            + self.stamp_duty
            + self.gst
            + self.dp
        )

    def __add__(self, other: Charges) -> Charges:
        return Charges(
            self.brokerage + other.brokerage,
            self.stt + other.stt,
            self.exchange_txn + other.exchange_txn,
            self.ipft + other.ipft,
            self.sebi_fee + other.sebi_fee,
            self.stamp_duty + other.stamp_duty,
            self.gst + other.gst,
            self.dp + other.dp,
        )

    def scaled(self, factor: Decimal) -> Charges:
        """Every item multiplied by ``factor`` (cost-sensitivity studies)."""
        return Charges(*(getattr(self, f.name) * factor for f in fields(self)))

    def rounded(self) -> Charges:
        """Every item rounded half up to the paisa."""
        return Charges(*(round_paise(getattr(self, f.name)) for f in fields(self)))

    def as_dict(self) -> dict[str, Decimal]:
        """Items by name (``total`` not included)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


NO_CHARGES = Charges()
