"""Limits both simulated exchanges (the backtest's and the paper broker's) enforce alike.

* **No delivery short**: in the Indian cash segment only an intraday (MIS) sell may go short
  (squared off by 15:20 IST); a CNC or NRML sell is cut to the shares held and, with none
  held, rejected with :func:`short_rejection`.

* **MIS square-off**: at 15:20 IST (:data:`SQUAREOFF_MINUTE`, minutes after midnight IST)
  intraday positions are closed by a market order that ignores the volume cap, as a
  broker's auto square-off does; no new MIS orders are taken after it.
* **Buying power**: after a fill that increases the absolute position, gross exposure
  Σ|units × mark| (₹) must not exceed ``leverage`` × equity (cash + Σ units × mark, ₹) by
  more than :data:`BUYING_POWER_SLACK_INR`; the slack absorbs float rounding, so a fill
  exactly at the limit is allowed whichever arithmetic decides it. Marks are the last
  closes before the bar's minute, the fill price for the instrument filled, and the fill
  prices of earlier fills in that minute. An order that does not fit is cut one lot at a
  time; the first cut that no longer increases the absolute position fills without the
  check; if nothing fits, the order is rejected (its rest cancelled after a partial fill)
  with the reason "insufficient buying power".
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from vyapari.model.enums import ProductType

SQUAREOFF_MINUTE = 15 * 60 + 20
"""MIS square-off time, minutes after midnight IST (15:20)."""

BUYING_POWER_SLACK_INR = 1e-6
"""How far (₹) gross exposure may exceed ``leverage`` × equity after a fill."""

DEFAULT_LEVERAGE: Mapping[ProductType, float] = MappingProxyType(
    {ProductType.CNC: 1.0, ProductType.MIS: 5.0, ProductType.NRML: 1.0}
)
"""Buying power multiple per product when none is configured: delivery and carry-forward at
1× (fully paid), intraday (MIS) at 5× (brokers' usual intraday margin on liquid equities)."""


def may_sell_short(product: ProductType) -> bool:
    """True when a sell of ``product`` may go short in the cash segment (only intraday, MIS)."""
    return product is ProductType.MIS


def short_rejection(product: ProductType) -> str:
    """Why a sell of ``product`` (CNC or NRML) with nothing held is rejected."""
    return (
        f"short selling is not allowed in delivery ({product.value}) in the cash segment: "
        "only an intraday (MIS) short, squared off by 15:20 IST"
    )
