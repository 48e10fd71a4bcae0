"""Broker brokerage schedules and depository (DP) charges, as data.

Brokerage is charged per **executed order**; the fee models treat one trade leg as one
executed order (an order filled in several trades is still one order at Zerodha and
Upstox, so a caller splitting one order into many legs overstates brokerage).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from vyapari.core.money import ZERO, to_decimal
from vyapari.model.enums import Segment

_GST_ON_DP = Decimal("0.18")
"""GST on the DP charge (18 %, facts A.1); folded into the ``dp`` item, not the ``gst`` item."""


@dataclass(frozen=True, slots=True)
class BrokerageRule:
    """Brokerage of one executed order in ₹ from its turnover (quantity × price, ₹).

    * ``rate`` and ``cap_inr`` both set: ``min(cap_inr, rate × turnover)``;
    * only ``cap_inr``: a flat ``cap_inr`` per order;
    * only ``rate``: ``rate × turnover``;
    * neither: free (₹0).

    Attributes
    ----------
    rate : Decimal or None
        Fraction of turnover (``Decimal("0.0003")`` is 0.03 %).
    cap_inr : Decimal or None
        Flat fee or maximum per order in ₹.
    """

    rate: Decimal | None = None
    cap_inr: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("rate", "cap_inr"):
            value = getattr(self, name)
            if value is not None:
                value = to_decimal(value, name=name)
                if value < 0:
                    raise ValueError(f"{name}: must be >= 0, got {value}")
                object.__setattr__(self, name, value)

    def brokerage(self, turnover: Decimal) -> Decimal:
        """Brokerage in ₹ (exact, unrounded) for an order of ``turnover`` ₹."""
        if self.rate is None:
            return self.cap_inr if self.cap_inr is not None else ZERO
        by_rate = self.rate * turnover
        return by_rate if self.cap_inr is None else min(self.cap_inr, by_rate)

    def brokerage_array(self, turnover: np.ndarray) -> np.ndarray:
        """float64 twin of :meth:`brokerage` over an array of turnovers in ₹."""
        if self.rate is None:
            flat = float(self.cap_inr) if self.cap_inr is not None else 0.0
            return np.full(turnover.shape, flat)
        by_rate = turnover * float(self.rate)
        return by_rate if self.cap_inr is None else np.minimum(float(self.cap_inr), by_rate)


@dataclass(frozen=True, slots=True)
class BrokerageSchedule:
    """A broker's brokerage per segment plus its DP charge on a delivery sell.

    Attributes
    ----------
    broker : str
        Lower-case broker name (``"zerodha"``).
    delivery, intraday, futures, options : BrokerageRule
        Brokerage per executed order in each segment (options on premium turnover).
    dp_charge_inr : Decimal
        Depository charge in ₹ **including its 18 % GST**, per delivery-sell leg. The real
        charge is per scrip per day (several sells of one scrip on one day pay it once).
    source : str
        Where the figures come from.
    """

    broker: str
    delivery: BrokerageRule
    intraday: BrokerageRule
    futures: BrokerageRule
    options: BrokerageRule
    dp_charge_inr: Decimal
    source: str

    def rule(self, segment: Segment) -> BrokerageRule:
        """The brokerage rule of ``segment``."""
        rule: BrokerageRule = getattr(self, Segment(segment).value)
        return rule


def _dp_with_gst(fee_inr: str) -> Decimal:
    """A DP fee in ₹ plus 18 % GST (exact: ₹13 → ₹15.34)."""
    return Decimal(fee_inr) * (1 + _GST_ON_DP)


ZERODHA_BROKERAGE = BrokerageSchedule(
    broker="zerodha",
    # support.zerodha.com "What is the brokerage at Zerodha for equity" (facts A.1): ₹0 delivery
    # (the ₹0.01-per-contract-note minimum is ignored).
    delivery=BrokerageRule(),
    # Same page: min(₹20, 0.03 %) per executed order, intraday.
    intraday=BrokerageRule(rate=Decimal("0.0003"), cap_inr=Decimal("20")),
    # support.zerodha.com "... for Futures and Options": min(₹20, 0.03 %) per executed order.
    futures=BrokerageRule(rate=Decimal("0.0003"), cap_inr=Decimal("20")),
    # Same page: flat ₹20 per executed order (₹40 if the account balance is negative: not modelled).
    options=BrokerageRule(cap_inr=Decimal("20")),
    # support.zerodha.com "What does Depository Participant (DP) charge mean?": ₹13 + 18 % GST
    # = ₹15.34 per scrip per day (women primary holders ₹12.75 + GST; older docs ₹13.5).
    dp_charge_inr=_dp_with_gst("13"),
    source="support.zerodha.com brokerage and DP pages (facts A.1)",
)

UPSTOX_BROKERAGE = BrokerageSchedule(
    broker="upstox",
    # help.upstox.com/support/solutions/articles/257195 and upstox.com/help-center/257373:
    # "₹20 or 2.5% whichever is lower on Equity Delivery".
    delivery=BrokerageRule(rate=Decimal("0.025"), cap_inr=Decimal("20")),
    # Same pages: "₹20 per executed order or 0.05% (whichever is lower)" for intraday. A newer
    # copy of upstox.com/help-center/...-257195 reads "₹20 or 0.1%"; the older figure is used.
    intraday=BrokerageRule(rate=Decimal("0.0005"), cap_inr=Decimal("20")),
    # Same pages: equity futures "₹20 per executed order or 0.05% (whichever is lower)".
    futures=BrokerageRule(rate=Decimal("0.0005"), cap_inr=Decimal("20")),
    # Same pages: equity options "Flat ₹20 per executed order".
    options=BrokerageRule(cap_inr=Decimal("20")),
    # upstox.com/help-center/.../11560-dp-transaction-charges: "Rs.18.5 + GST (18%) = 21.83 ...
    # per scrip"; charged once per scrip per day (help.upstox.com 257195).
    dp_charge_inr=_dp_with_gst("18.5"),
    source="help.upstox.com 257195, upstox.com/help-center 257373 and 11560 (stored copies)",
)
