"""The Indian equity fee model: statutory charges from dated schedules plus a broker's brokerage.

Per leg, with turnover T = quantity × price (premium for options), rates from the regime
in force on the trade date (:mod:`vyapari.costs.schedules`):

* brokerage = the broker's rule for the segment (per executed order);
* STT = T × STT rate of the side, rounded half up to ₹1 unless ``exact_stt``;
* exchange_txn = T × exchange rate (without IPFT); ipft = T × IPFT rate (NSE only),
  zero when ``include_ipft`` is False;
* sebi_fee = T × ₹10/crore; stamp_duty = T × stamp rate on buys only;
* gst = 18 % × (brokerage + sebi_fee + exchange_txn [+ ipft when ``gst_on_ipft``]);
* dp = the broker's DP charge (GST included) on a delivery sell, when ``include_dp``.

Items are exact Decimals (STT excepted); a round trip's total is
``round_paise`` of the sum of both legs' exact items (rounding each leg first can be a
paisa off, e.g. worked example E4).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from vyapari.core.money import RUPEE, ZERO
from vyapari.costs.base import ChargeItems, FeeModel, LegArrays, OrderPricer, TradeLeg
from vyapari.costs.brokerage import UPSTOX_BROKERAGE, ZERODHA_BROKERAGE, BrokerageRule, BrokerageSchedule
from vyapari.costs.regimes import StatutoryRates, rates_on, segment_schedule
from vyapari.model.charges import Charges
from vyapari.model.enums import Exchange, Segment, Side

_HALF_UP_EPS_ABS = 1e-9
_HALF_UP_EPS_REL = 1e-15


def round_rupee_array(amount: np.ndarray) -> np.ndarray:
    """Round non-negative ₹ amounts half up to the rupee in float64.

    A tolerance of 1e-9 ₹ plus 1e-15 × amount lets a value that is exactly ``n + 0.5`` in
    decimal (but a hair below in binary) round up, while staying far below the 1.25e-6 ₹
    granularity of STT on paisa-aligned prices.
    """
    return np.floor(amount + 0.5 + (_HALF_UP_EPS_ABS + _HALF_UP_EPS_REL * np.abs(amount)))


@dataclass(frozen=True, slots=True)
class IndianEquityFees(FeeModel):
    """Statutory Indian charges (NSE/BSE, equity cash and F&O) plus a brokerage schedule.

    Attributes
    ----------
    brokerage : BrokerageSchedule
        The broker's brokerage per segment and DP charge.
    include_ipft : bool
        Charge NSE's IPFT (₹10/crore; ₹50/crore of option premium). Default True.
    gst_on_ipft : bool
        Include IPFT in the GST base (Zerodha: yes; Upstox: no). Default True.
    exact_stt : bool
        Keep STT exact instead of rounding it half up to ₹1 per leg. Default False.
    include_dp : bool
        Add the DP charge to every delivery-sell leg. Default True. The real charge is
        per scrip per day; an engine that aggregates sells per scrip-day can set this
        False and add ``brokerage.dp_charge_inr`` itself.
    """

    brokerage: BrokerageSchedule
    include_ipft: bool = True
    gst_on_ipft: bool = True
    exact_stt: bool = False
    include_dp: bool = True

    @property
    def name(self) -> str:
        """The broker's name, e.g. ``"zerodha"``."""
        return self.brokerage.broker

    def charges(self, leg: TradeLeg) -> Charges:
        """Itemised charges of ``leg`` in ₹; ``ScheduleNotFound`` before the first schedule.

        A leg is an order with no intraday part: :meth:`order_charges` on its whole turnover in its
        own segment, plus its DP."""
        charges = self.order_charges(
            leg.exchange, leg.trade_date, leg.side, ZERO, leg.turnover, leg.segment, leg.segment
        )
        return replace(charges, dp=self._dp(leg.segment, leg.side is Side.BUY))

    @property
    def dp_per_scrip_day(self) -> Decimal:
        """The broker's DP charge in ₹ (GST included), or 0 when ``include_dp`` is False."""
        return self.brokerage.dp_charge_inr if self.include_dp else ZERO

    def order_charges(
        self,
        exchange: Exchange,
        trade_date: date,
        side: Side,
        intraday_value: Decimal,
        carried_value: Decimal,
        carried_segment: Segment,
        brokerage_segment: Segment,
    ) -> Charges:
        """Exact charges of one netted order (see :meth:`FeeModel.order_charges`), no DP.

        Each statutory item is the intraday part at the intraday rates plus the carried part at
        ``carried_segment``'s; STT is rounded half up to ₹1 per order unless ``exact_stt``.
        """
        pricer = self.order_pricer(exchange, trade_date, carried_segment)
        return Charges(*pricer(side, intraday_value, carried_value, brokerage_segment))

    def order_pricer(self, exchange: Exchange, trade_date: date, carried_segment: Segment) -> OrderPricer:
        """:meth:`order_charges` of one scrip-day with its rates looked up once (the intraday rates
        when first needed); ``ScheduleNotFound`` before the first schedule."""
        carried = rates_on(exchange, carried_segment, trade_date)
        include_ipft, gst_on_ipft, exact_stt = self.include_ipft, self.gst_on_ipft, self.exact_stt
        schedule = self.brokerage
        rules: dict[Segment, BrokerageRule] = {}  # per brokerage segment, when first asked for
        intraday_rates: list[StatutoryRates] = []

        def pricer(side: Side, iv: Decimal, cv: Decimal, brokerage_segment: Segment) -> ChargeItems:
            c = carried
            if iv:
                if not intraday_rates:
                    intraday_rates.append(rates_on(exchange, Segment.INTRADAY, trade_date))
                i = intraday_rates[0]
            else:
                i = c
            if side is Side.BUY:
                stt = iv * i.stt_buy + cv * c.stt_buy
                stamp = iv * i.stamp_buy + cv * c.stamp_buy
            else:
                stt = iv * i.stt_sell + cv * c.stt_sell
                stamp = ZERO
            txn = iv * i.exchange_txn + cv * c.exchange_txn
            ipft = iv * i.ipft + cv * c.ipft if include_ipft else ZERO
            sebi = iv * i.sebi_fee + cv * c.sebi_fee
            rule = rules.get(brokerage_segment)
            if rule is None:
                rule = rules[brokerage_segment] = schedule.rule(brokerage_segment)
            brokerage = rule.brokerage(iv + cv)
            gst_base = brokerage + sebi + txn + (ipft if gst_on_ipft else ZERO)
            return (
                brokerage,
                stt if exact_stt else stt.quantize(RUPEE, ROUND_HALF_UP),  # round_rupee
                txn,
                ipft,
                sebi,
                stamp,
                gst_base * c.gst,
                ZERO,  # DP: per scrip-day, not per order
            )

        return pricer

    def _dp(self, segment: Segment, is_buy: bool) -> Decimal:
        """DP charge in ₹ of a leg (delivery sells only)."""
        if self.include_dp and segment is Segment.DELIVERY and not is_buy:
            return self.brokerage.dp_charge_inr
        return ZERO

    def _items_array(self, exchange: Exchange, segment: Segment, legs: LegArrays) -> dict[str, np.ndarray]:
        """float64 twin of ``charges(leg)`` item by item, for many legs (see :class:`FeeModel`)."""
        schedule = segment_schedule(exchange, segment)
        idx = schedule.regime_index(legs.trade_date)
        r = schedule.rate_arrays()
        turnover = legs.turnover
        buy = legs.is_buy
        stt = turnover * np.where(buy, r["stt_buy"][idx], r["stt_sell"][idx])
        if not self.exact_stt:
            stt = round_rupee_array(stt)
        txn = turnover * r["exchange_txn"][idx]
        ipft = turnover * r["ipft"][idx] if self.include_ipft else np.zeros_like(turnover)
        sebi = turnover * r["sebi_fee"][idx]
        stamp = np.where(buy, turnover * r["stamp_buy"][idx], 0.0)
        brokerage = self.brokerage.rule(segment).brokerage_array(turnover)
        gst_base = brokerage + sebi + txn + (ipft if self.gst_on_ipft else 0.0)
        dp = np.zeros_like(turnover)
        if self.include_dp and Segment(segment) is Segment.DELIVERY:
            dp = np.where(buy, 0.0, float(self.brokerage.dp_charge_inr))
        return {
            "brokerage": brokerage,
            "stt": stt,
            "exchange_txn": txn,
            "ipft": ipft,
            "sebi_fee": sebi,
            "stamp_duty": stamp,
            "gst": gst_base * r["gst"][idx],
            "dp": dp,
        }


@dataclass(frozen=True, slots=True)
class ZerodhaFees(IndianEquityFees):
    """Zerodha: ₹0 delivery, min(₹20, 0.03 %) intraday/futures, ₹20 options; GST on IPFT.

    DP ₹15.34 (₹13 + GST) per delivery sell. Sources in :mod:`vyapari.costs.brokerage`.
    """

    brokerage: BrokerageSchedule = ZERODHA_BROKERAGE
    gst_on_ipft: bool = True


@dataclass(frozen=True, slots=True)
class UpstoxFees(IndianEquityFees):
    """Upstox: min(₹20, 2.5 %) delivery, min(₹20, 0.05 %) intraday/futures, ₹20 options.

    No GST on IPFT ("GST is not applicable to IPFT", help.upstox.com article 260397, facts
    A.1). DP ₹21.83 (₹18.5 + GST) per delivery sell. Sources in :mod:`vyapari.costs.brokerage`.
    """

    brokerage: BrokerageSchedule = UPSTOX_BROKERAGE
    gst_on_ipft: bool = False
