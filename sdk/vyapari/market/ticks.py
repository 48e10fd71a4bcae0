"""Tick sizes by date, exchange and instrument kind, as dated price bands (data), and rounding to a tick.

Conventions
-----------
* Prices and ticks are ``Decimal`` rupees. The ``price`` given to :func:`tick_size` is the reference
  price that decides the band: the exchanges use the close of the last trading day of the previous
  month (reviewed monthly), the issue price for an IPO. For live trading the contract master's tick
  is authoritative; these tables are for backtests and validation.
* A band is "price above ``floor``" (or "at or above" when ``inclusive``); the last band a price
  reaches wins. Boundaries follow the exchange wording exactly.

Sources (the team's Indian market research notes, section B, and the pages named per schedule)
-----------------------------------------------------------------------------------------------
NSE cash and stock futures from 15-Apr-2025 (fyers.in notice 17-Mar-2025, angelone.in, hdfcsec.com):
< 250 -> 0.01; 250 - 1,000 -> 0.05; > 1,000 - 5,000 -> 0.10; > 5,000 - 10,000 -> 0.50;
> 10,000 - 20,000 -> 1.00; > 20,000 -> 5.00. Index futures from the same date: <= 15,000 -> 0.05;
> 15,000 - 30,000 -> 0.10; > 30,000 -> 0.20. All options 0.05. Before: 0.05 for everything, with
< 250 -> 0.01 in the cash market from 10-Jun-2024 and in stock futures from 8-Jul-2024 (NSE circular
24-May-2024 via zerodha.com bulletin 25-May-2024, livemint.com). BSE cash: < 100 -> 0.01 since
March 2023 (business-standard.com 27-May-2024 "last year"; day not verified, 1-Mar-2023 assumed),
earlier <= 15 -> 0.01 (sptulsian.com, undated).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from vyapari.core.errors import InvalidInput, ScheduleNotFound
from vyapari.core.money import round_to_step, to_decimal
from vyapari.model.enums import Exchange, InstrumentKind, Side

D = Decimal


@dataclass(frozen=True, slots=True)
class TickBand:
    """Prices above ``floor`` (at or above it when ``inclusive``) trade in steps of ``tick`` (₹)."""

    floor: Decimal
    tick: Decimal
    inclusive: bool = False

    def admits(self, price: Decimal) -> bool:
        """True if ``price`` is in this band or above it."""
        return price >= self.floor if self.inclusive else price > self.floor


@dataclass(frozen=True, slots=True)
class TickRegime:
    """The tick bands in force from ``effective_from`` (inclusive) until the next regime."""

    effective_from: date
    bands: tuple[TickBand, ...]
    source: str

    def tick_for(self, price: Decimal) -> Decimal:
        """The tick of the highest band ``price`` reaches (the first band must admit every price > 0)."""
        tick = self.bands[0].tick
        for band in self.bands[1:]:
            if not band.admits(price):
                break
            tick = band.tick
        return tick


def _flat(tick: str) -> tuple[TickBand, ...]:
    return (TickBand(D(0), D(tick)),)


#: Start of the tables: the 0.05 regime is older, this is only where our data begins.
DATA_START = date(2000, 1, 1)

_NSE_2025_BANDS = (
    TickBand(D(0), D("0.01")),
    TickBand(D(250), D("0.05"), inclusive=True),
    TickBand(D(1000), D("0.10")),
    TickBand(D(5000), D("0.50")),
    TickBand(D(10000), D("1.00")),
    TickBand(D(20000), D("5.00")),
)
_BELOW_250 = (TickBand(D(0), D("0.01")), TickBand(D(250), D("0.05"), inclusive=True))
_SRC_2025 = "NSE price-linked ticks from 15-Apr-2025 (fyers.in 17-Mar-2025, angelone.in)"
_SRC_2024 = "NSE circular 24-May-2024 (zerodha.com bulletin 25-May-2024, livemint.com)"
_SRC_OLD = "0.05 for all NSE securities before 2024 (tradingqna.com/t/166034)"

#: (exchange, kind, is_index) -> regimes in date order.
TICK_SCHEDULES: dict[tuple[Exchange, InstrumentKind, bool], tuple[TickRegime, ...]] = {
    (Exchange.NSE, InstrumentKind.EQUITY, False): (
        TickRegime(DATA_START, _flat("0.05"), _SRC_OLD),
        TickRegime(date(2024, 6, 10), _BELOW_250, _SRC_2024 + ": cash market from 10-Jun-2024"),
        TickRegime(date(2025, 4, 15), _NSE_2025_BANDS, _SRC_2025),
    ),
    (Exchange.NSE, InstrumentKind.FUTURE, False): (
        TickRegime(DATA_START, _flat("0.05"), _SRC_OLD),
        TickRegime(date(2024, 7, 8), _BELOW_250, _SRC_2024 + ": stock futures from 8-Jul-2024"),
        TickRegime(date(2025, 4, 15), _NSE_2025_BANDS, _SRC_2025 + "; stock futures follow the cash tick"),
    ),
    (Exchange.NSE, InstrumentKind.FUTURE, True): (
        TickRegime(DATA_START, _flat("0.05"), _SRC_OLD),
        TickRegime(
            date(2025, 4, 15),
            (TickBand(D(0), D("0.05")), TickBand(D(15000), D("0.10")), TickBand(D(30000), D("0.20"))),
            _SRC_2025 + ": index futures by index level",
        ),
    ),
    (Exchange.NSE, InstrumentKind.OPTION, False): (
        TickRegime(DATA_START, _flat("0.05"), "All options 0.05 (facts file B; NSE circular 24-May-2024)"),
    ),
    (Exchange.NSE, InstrumentKind.OPTION, True): (
        TickRegime(DATA_START, _flat("0.05"), "All options 0.05 (facts file B)"),
    ),
    (Exchange.BSE, InstrumentKind.EQUITY, False): (
        TickRegime(
            DATA_START,
            (TickBand(D(0), D("0.01")), TickBand(D(15), D("0.05"))),
            "BSE: 0.01 up to ₹15, else 0.05 (sptulsian.com, undated; not re-verified)",
        ),
        TickRegime(
            date(2023, 3, 1),
            (TickBand(D(0), D("0.01")), TickBand(D(100), D("0.05"), inclusive=True)),
            "BSE: 0.01 below ₹100 since March 2023 (business-standard.com 27-May-2024; day assumed)",
        ),
    ),
    (Exchange.BSE, InstrumentKind.FUTURE, False): (
        TickRegime(DATA_START, _flat("0.05"), "BSE futures: 0.05 assumed (not verified)"),
    ),
    (Exchange.BSE, InstrumentKind.FUTURE, True): (
        TickRegime(DATA_START, _flat("0.05"), "BSE index futures: 0.05 assumed (not verified)"),
    ),
    (Exchange.BSE, InstrumentKind.OPTION, False): (
        TickRegime(DATA_START, _flat("0.05"), "All options 0.05 (facts file B)"),
    ),
    (Exchange.BSE, InstrumentKind.OPTION, True): (
        TickRegime(DATA_START, _flat("0.05"), "All options 0.05 (facts file B)"),
    ),
}


def tick_regime(
    on: date,
    *,
    exchange: Exchange = Exchange.NSE,
    kind: InstrumentKind = InstrumentKind.EQUITY,
    is_index: bool = False,
) -> TickRegime:
    """The tick regime in force on ``on`` for instruments of ``kind`` on ``exchange``.

    Raises
    ------
    InvalidInput
        For an index equity (indices are not traded in the cash market).
    ScheduleNotFound
        For a date before :data:`DATA_START`.
    """
    key = (exchange.cash_exchange, kind, is_index)
    regimes = TICK_SCHEDULES.get(key)
    if regimes is None:
        raise InvalidInput("is_index", f"no tick schedule for an index {kind.value} on {exchange.value}")
    current = None
    for regime in regimes:
        if regime.effective_from <= on:
            current = regime
    if current is None:
        raise ScheduleNotFound(
            f"no tick schedule for {exchange.value} {kind.value} on {on} (data starts {DATA_START})"
        )
    return current


def tick_size(
    price: Decimal,
    on: date,
    *,
    exchange: Exchange = Exchange.NSE,
    kind: InstrumentKind = InstrumentKind.EQUITY,
    is_index: bool = False,
) -> Decimal:
    """The tick size (₹) of an instrument whose reference price is ``price`` (₹), on date ``on``.

    Parameters
    ----------
    price : Decimal
        Reference price in ₹ (> 0): last month-end close for stocks and stock futures, index level
        for index futures, premium for options (options are 0.05 whatever the premium).
    on : date
        Trading date (IST) whose regime applies.
    exchange : Exchange
        NSE or BSE; NFO and BFO use their cash exchange's tables.
    kind : InstrumentKind
        Equity, future or option.
    is_index : bool
        True for index derivatives.
    """
    value = to_decimal(price, name="price")
    if value <= 0:
        raise InvalidInput("price", f"must be positive, got {value}")
    return tick_regime(on, exchange=exchange, kind=kind, is_index=is_index).tick_for(value)


def round_to_tick(price: Decimal, tick: Decimal, side: Side | None = None) -> Decimal:
    """Round ``price`` (₹) to a multiple of ``tick`` (₹).

    A buy limit rounds down (never pay more than asked), a sell limit rounds up (never receive less),
    ``side=None`` rounds to the nearest tick, halves up. The result carries the tick's decimal places.
    """
    value = to_decimal(price, name="price")
    step = to_decimal(tick, name="tick")
    if step <= 0:
        raise InvalidInput("tick", f"must be positive, got {step}")
    rounding = {Side.BUY: ROUND_FLOOR, Side.SELL: ROUND_CEILING, None: ROUND_HALF_UP}[side]
    return round_to_step(value, step, rounding=rounding).quantize(step)


def is_on_tick(price: Decimal, tick: Decimal) -> bool:
    """True if ``price`` (₹) is an exact multiple of ``tick`` (₹)."""
    return to_decimal(price, name="price") % to_decimal(tick, name="tick") == 0
