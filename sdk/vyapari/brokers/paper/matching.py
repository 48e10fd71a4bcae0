"""Fill rules of the simulated exchange, for the paper broker: the backtest's rules, restated.

**Stand-in.** The backtest prices fills with :func:`vyapari.backtest.matching.match_order`
and :func:`vyapari.backtest.rules.fill_price_one`; ``vyapari.brokers`` sits *below*
``vyapari.backtest`` in the import-linter layers and may not import them. Until those
functions move to a lower module (proposed: ``vyapari.execution.matching``, between
``costs`` and ``strategy``), this module restates them with the same signatures and the
parity test (``tests/unit/brokers/test_paper_parity.py``) checks the two agree on random
bars and orders. Swap the bodies for re-exports once the move is done.

Rules (prices in ₹; ``o, h, low`` of the bar; ``sign`` +1 buy, -1 sell):

* MARKET: at the reference price (the bar's open), through slippage, rounded to the paisa.
* LIMIT buy at L: the open if it is at or below L, else L if the low reaches it (sells mirror).
* SL-M buy, trigger T: the open if it gaps at or above T, else T if the high reaches it;
  through slippage, rounded to the paisa (sells mirror).
* SL buy, trigger T, limit L: once triggered, a limit at L (the open or T if within L).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from vyapari.core.money import to_decimal
from vyapari.costs.slippage import SlippageModel
from vyapari.model.enums import OrderType

NO_FILL = math.nan


@dataclass(frozen=True, slots=True)
class Match:
    """A fill price in ₹ (NaN for none), whether slippage applies, and whether a stop triggered."""

    price: float
    slippage: bool = False
    triggered: bool = False


def _limit(sign: int, limit: float, o: float, h: float, low: float) -> float:
    if sign > 0:
        return o if o <= limit else (limit if low <= limit else NO_FILL)
    return o if o >= limit else (limit if h >= limit else NO_FILL)


def _stop_hit(sign: int, trigger: float, o: float, h: float, low: float) -> tuple[bool, bool]:
    if sign > 0:
        return o >= trigger or h >= trigger, o >= trigger
    return o <= trigger or low <= trigger, o <= trigger


def match_order(
    order_type: OrderType,
    sign: int,
    limit: float,
    trigger: float,
    triggered: bool,
    o: float,
    h: float,
    low: float,
    ref: float,
) -> Match:
    """The fill of an order against a bar (see the module docstring)."""
    if order_type is OrderType.MARKET:
        return Match(ref, slippage=True)
    if order_type is OrderType.LIMIT or (order_type is OrderType.SL and triggered):
        return Match(_limit(sign, limit, o, h, low), triggered=triggered)
    hit, at_open = _stop_hit(sign, trigger, o, h, low)
    if not hit:
        return Match(NO_FILL)
    if order_type is OrderType.SL_M:
        return Match(o if at_open else trigger, slippage=True, triggered=True)
    price = o if at_open else trigger
    within = price <= limit if sign > 0 else price >= limit
    return Match(price if within else NO_FILL, triggered=True)


def round_paise_float(price: float) -> float:
    """Round a ₹ price half up to the paisa, robust to binary noise (as the backtest kernel)."""
    return math.floor(price * 100.0 + 0.5 + 1e-7) / 100.0


def fill_price_one(slippage: SlippageModel, sign: int, ref: float, qty: int, volume: float) -> float:
    """A market or stop-market fill price in ₹: slippage applied, rounded to the paisa."""
    raw = slippage.fill_price_array(
        np.array([sign]), np.array([ref], dtype=np.float64), np.array([qty]), np.array([int(volume)])
    )
    return round_paise_float(float(raw[0]))


def max_fill_quantity(slippage: SlippageModel, volume: float) -> int:
    """Most units that may fill in a bar of ``volume`` units (the slippage model's cap)."""
    vol = np.array([0 if math.isnan(volume) else int(volume)], dtype=np.int64)
    return int(slippage.max_fill_quantity_array(vol)[0])


def to_price(value: float) -> Decimal:
    """A float ₹ price as the Decimal the ledger books (its shortest repr, as the backtest does)."""
    return to_decimal(float(value))
