"""How a simulated exchange fills one order against one bar, at the price a broker would give.

All prices in ₹. ``o, h, l, c`` are the bar's open, high, low and close.

* MARKET: at the reference price (the open for orders from an earlier bar, the close in
  same-bar-close mode), through the slippage model.
* LIMIT buy at L: at the open if the bar opens at or below L (a gap through the limit
  gives the better open), else at L if the low reaches it; sells mirror.
* SL-M (stop-market) buy triggered at T: at the open if the bar opens at or above T (a
  gap through the trigger fills at the open), else at T if the high reaches it; through
  the slippage model; sells mirror.
* SL (stop-limit) buy, trigger T, limit L: once triggered it is a limit at L: at the open
  if the bar opens at or above T and at or below L; at T if triggered inside the bar and
  T ≤ L; otherwise it waits (triggered) as a limit order. Sells mirror.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vyapari.model.enums import OrderType

NO_FILL = math.nan


@dataclass(frozen=True, slots=True)
class Match:
    """A fill price in ₹ (NaN for none), whether slippage applies, and if a stop triggered."""

    price: float
    slippage: bool = False
    triggered: bool = False


def _limit(sign: int, limit: float, o: float, h: float, low: float) -> float:
    if sign > 0:
        return o if o <= limit else (limit if low <= limit else NO_FILL)
    return o if o >= limit else (limit if h >= limit else NO_FILL)


def _stop_hit(sign: int, trigger: float, o: float, h: float, low: float) -> tuple[bool, bool]:
    """(triggered, at the open)."""
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
    """The fill of an order (side ``sign`` +1 buy / -1 sell) against a bar; see the module doc."""
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
