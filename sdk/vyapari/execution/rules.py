"""The fill rules of the simulated exchange, written once for the event loop and the paper broker.

* :func:`allowed_quantity`: the volume cap in whole lots and no delivery short
  (:mod:`vyapari.execution.limits`);
* :func:`cut_to_buying_power`: a risk-increasing fill beyond buying power is cut by whole lots
  (bisected); the first cut that no longer increases the absolute position fills without the check;
* :func:`exposure_fits`: the buying-power check itself, in floats (₹), as the array kernel
  (:func:`vyapari.backtest.kernels.account`) checks it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vyapari.execution.limits import BUYING_POWER_SLACK_INR, may_sell_short, short_rejection
from vyapari.model.enums import ProductType, Side


def allowed_quantity(
    remaining: int, cap: int, lot: int, side: Side, product: ProductType, held: int
) -> tuple[int, str | None]:
    """Units an order may fill now (whole lots within ``cap`` units), and why it is refused
    (None unless a CNC/NRML sell finds nothing held: see :func:`short_rejection`)."""
    qty = min(remaining, (cap // lot) * lot)
    if side is Side.SELL and not may_sell_short(product):
        long = max(held, 0)
        if qty > long:
            if long == 0:
                return 0, short_rejection(product)
            qty = long
    return qty, None


def cut_to_buying_power(held: int, sign: int, qty: int, lot: int, fits: Callable[[int, int], bool]) -> int:
    """The largest of ``qty``, ``qty - lot``, … that ``fits(qty, position after)`` allows, or that
    no longer increases the absolute position ``held`` (side ``sign``); 0 when none does.

    Both conditions hold for every smaller quantity once they hold for one (exposure and charges
    grow with the quantity), so the cut is a bisection over the lots: O(log lots) checks, each of
    which may price a fill, instead of one per lot (an order 100× too big took minutes)."""

    def allowed(q: int) -> bool:
        after = held + sign * q
        return abs(after) <= abs(held) or fits(q, after)

    if qty <= 0 or allowed(qty):
        return max(qty, 0)
    bad, good = 0, -(-qty // lot)  # cuts of 0 lots fail; cutting every lot leaves nothing
    while good - bad > 1:
        middle = (bad + good) // 2
        if allowed(qty - middle * lot):
            good = middle
        else:
            bad = middle
    return max(qty - good * lot, 0)


def exposure_fits(
    qty: np.ndarray, mark: np.ndarray, k: int, after: int, price: float, cash: float, leverage: float
) -> bool:
    """Gross exposure Σ|qty × mark| ≤ ``leverage`` × (``cash`` + Σ qty × mark) + the slack, with
    entry ``k`` at ``after`` units marked at the fill ``price`` (₹; ``cash`` after the fill and its
    charges). ``qty`` and ``mark`` are changed only while the sums are taken."""
    held, was = qty[k], mark[k]
    qty[k], mark[k] = after, price
    try:
        gross = float(np.abs(qty) @ mark)
        equity = cash + float(qty @ mark)
    finally:
        qty[k], mark[k] = held, was
    return gross <= leverage * equity + BUYING_POWER_SLACK_INR
