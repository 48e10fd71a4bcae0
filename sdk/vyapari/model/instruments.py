"""Tradable instruments: equities, futures and options.

Quantities of derivatives are held in **shares/units** here with the contract's
``lot_size`` alongside; order quantities must be whole multiples of it. Prices in ₹.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from vyapari.core.ids import instrument_id
from vyapari.model.enums import Exchange, InstrumentKind, OptionType


@dataclass(frozen=True, slots=True)
class Instrument:
    """An equity (the base case). ``tick_size`` in ₹; ``lot_size`` is 1 for cash equities."""

    exchange: Exchange
    symbol: str
    tick_size: Decimal = Decimal("0.05")
    lot_size: int = 1
    isin: str | None = None
    kind: InstrumentKind = InstrumentKind.EQUITY

    def __post_init__(self) -> None:
        if not self.symbol:
            raise ValueError("symbol must not be empty")
        if self.lot_size < 1:
            raise ValueError(f"{self.symbol}: lot_size must be >= 1, got {self.lot_size}")
        if self.tick_size <= 0:
            raise ValueError(f"{self.symbol}: tick_size must be positive, got {self.tick_size}")

    @property
    def instrument_id(self) -> str:
        """``"NSE:RELIANCE"``."""
        return instrument_id(self.exchange.value, self.symbol)


@dataclass(frozen=True, slots=True)
class Future(Instrument):
    """A futures contract on ``underlying`` expiring on ``expiry`` (IST date)."""

    underlying: str = ""
    expiry: date = date.min
    kind: InstrumentKind = InstrumentKind.FUTURE


@dataclass(frozen=True, slots=True)
class Option(Instrument):
    """An option on ``underlying``; ``strike`` in ₹; premium prices in ₹."""

    underlying: str = ""
    expiry: date = date.min
    strike: Decimal = Decimal("0")
    option_type: OptionType = OptionType.CE
    kind: InstrumentKind = InstrumentKind.OPTION
