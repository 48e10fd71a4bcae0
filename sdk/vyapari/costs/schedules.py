"""Dated Indian statutory charge schedules, as data.

Every rate is a ``Decimal`` **fraction** of turnover (``Decimal("0.00025")`` is 0.025 %);
for options, turnover means *premium* turnover (quantity × premium). Each rate is a
:class:`RateSeries` of :class:`DatedRate` steps: a step applies from its ``effective_from``
date (inclusive, IST session date) until the next step.

Sources are cited next to every rate; "facts A.1" means the project's research notes
(``india-facts.md`` section A.1, compiled from the pages named there). Where a rate's true
start is older than what we hold, the step starts at :data:`FIRST_SCHEDULE_DATE` and the
comment says so.

Coverage
--------
Exchanges NSE and BSE (derivative segments NFO/BFO map to them), segments equity
delivery, intraday, futures and options. Not covered: currency and commodity segments,
STT on exercised options (charged on intrinsic value at expiry), BSE scrip groups other
than A/B, and BSE SENSEX 50 / stock options (₹500/crore).

Interpretation of the NSE transaction charges
---------------------------------------------
NSE publishes its transaction charge and the IPFT (Investor Protection Fund Trust)
charge separately; brokers print them together. The post-1-Oct-2024 NSE rates here
(0.00297 %, 0.00173 %, 0.03503 %) are the exchange's own charges **without** IPFT:
Zerodha's page shows them as 0.00307 % / 0.00183 % / 0.03553 % *including* IPFT, exactly
the sum (facts A.1). The pre-October-2024 rates (0.00325 % / 0.0019 % / 0.05 %, Zerodha's
2024 snapshot) are likewise read as *excluding* IPFT: they are the top slab of NSE's
volume-slab schedule, which NSE published without IPFT, and IPFT was introduced as a
separate levy on 1-Apr-2023 when NSE withdrew the earlier 6 % IPF surcharge (an Upstox
page copy shows NSE cash at 0.00345 % "until 31-Mar-2023"; 0.00345 / 1.06 ≈ 0.00325).
An Upstox page copy also shows NSE cash at 0.00322 % for 1-Apr-2024..30-Sep-2024; that is
not in the facts file and is not used (the effect is ₹0.30 per crore of turnover).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from vyapari.core.errors import ScheduleNotFound
from vyapari.model.enums import Exchange, Segment, Side

FIRST_SCHEDULE_DATE = date(2023, 4, 1)
"""The first session date for which every statutory rate is held (NSE IPFT starts here;
STT on futures and options also changed on this date, Finance Act 2023)."""

OCT_2024 = date(2024, 10, 1)
"""STT hike (Finance (No.2) Act 2024) and flat NSE/BSE transaction charges (SEBI
"true-to-label" circular of 1-Jul-2024) both took effect on 1-Oct-2024."""

APR_2026 = date(2026, 4, 1)
"""Budget 2026 STT hike on futures and options, effective 1-Apr-2026."""

ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class DatedRate:
    """A rate (fraction of turnover) that applies from ``effective_from`` onward.

    Attributes
    ----------
    effective_from : date
        First IST session date on which ``rate`` applies.
    rate : Decimal
        Fraction of turnover (premium turnover for options); never a percentage.
    source : str
        Where the rate and its date come from.
    """

    effective_from: date
    rate: Decimal
    source: str

    def __post_init__(self) -> None:
        if not isinstance(self.rate, Decimal) or not self.rate.is_finite() or self.rate < 0:
            raise ValueError(f"rate: must be a finite Decimal >= 0, got {self.rate!r}")


@dataclass(frozen=True, slots=True)
class RateSeries:
    """One charge's rate through time: steps with strictly increasing ``effective_from``."""

    name: str
    steps: tuple[DatedRate, ...]

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError(f"{self.name}: a rate series needs at least one step")
        dates = [s.effective_from for s in self.steps]
        if any(b <= a for a, b in itertools.pairwise(dates)):
            raise ValueError(f"{self.name}: steps must have strictly increasing effective_from dates")

    @property
    def first_date(self) -> date:
        """The first date this series holds a rate for."""
        return self.steps[0].effective_from

    def step_on(self, on: date) -> DatedRate:
        """The step in force on ``on``; ``ScheduleNotFound`` before the first step."""
        found: DatedRate | None = None
        for step in self.steps:
            if step.effective_from <= on:
                found = step
            else:
                break
        if found is None:
            raise ScheduleNotFound(
                f"no {self.name} rate for {on.isoformat()}: the first date held is "
                f"{self.first_date.isoformat()}"
            )
        return found

    def rate_on(self, on: date) -> Decimal:
        """The rate (fraction) in force on ``on``."""
        return self.step_on(on).rate


def _series(name: str, *steps: tuple[date, str, str]) -> RateSeries:
    """Build a series from ``(effective_from, rate text, source)`` triples."""
    return RateSeries(name, tuple(DatedRate(d, Decimal(r), src) for d, r, src in steps))


_NOT_HELD_BEFORE = "held from 2023-04-01, the first schedule date; in force earlier"

# --------------------------------------------------------------------------------------
# STT (Securities Transaction Tax), by (segment, side). Options: on premium.
# --------------------------------------------------------------------------------------
_STT_DELIVERY = "STT 0.1% buy and sell, equity delivery (facts A.1; unchanged by the 2024/2026 budgets)"
_STT_OCT24 = "Finance (No.2) Act 2024 s.98, eff. 2024-10-01 (facts A.1, taxtmi.com/acts?id=43885)"
_STT_APR26 = "Budget 2026, eff. 2026-04-01 (facts A.1: wionews.com, devadhaantu.in)"
_STT_APR23 = (
    "Finance Act 2023, eff. 2023-04-01 (Upstox charges page copies: '0.0125%'/'0.0625% from 1st April 2023')"
)
_NONE = "no charge on this side (facts A.1)"

STT: dict[tuple[Segment, Side], RateSeries] = {
    (Segment.DELIVERY, Side.BUY): _series(
        "STT delivery buy", (FIRST_SCHEDULE_DATE, "0.001", f"{_STT_DELIVERY}; {_NOT_HELD_BEFORE}")
    ),
    (Segment.DELIVERY, Side.SELL): _series(
        "STT delivery sell", (FIRST_SCHEDULE_DATE, "0.001", f"{_STT_DELIVERY}; {_NOT_HELD_BEFORE}")
    ),
    (Segment.INTRADAY, Side.BUY): _series("STT intraday buy", (FIRST_SCHEDULE_DATE, "0", _NONE)),
    (Segment.INTRADAY, Side.SELL): _series(
        "STT intraday sell",
        (FIRST_SCHEDULE_DATE, "0.00025", f"0.025% sell side (facts A.1); {_NOT_HELD_BEFORE}"),
    ),
    (Segment.FUTURES, Side.BUY): _series("STT futures buy", (FIRST_SCHEDULE_DATE, "0", _NONE)),
    (Segment.FUTURES, Side.SELL): _series(
        "STT futures sell",
        (FIRST_SCHEDULE_DATE, "0.000125", f"0.0125% sell, {_STT_APR23}"),
        (OCT_2024, "0.0002", f"0.02% sell, {_STT_OCT24}"),
        (APR_2026, "0.0005", f"0.05% sell, {_STT_APR26}"),
    ),
    (Segment.OPTIONS, Side.BUY): _series("STT options buy", (FIRST_SCHEDULE_DATE, "0", _NONE)),
    (Segment.OPTIONS, Side.SELL): _series(
        "STT options sell",
        (FIRST_SCHEDULE_DATE, "0.000625", f"0.0625% of premium, sell, {_STT_APR23}"),
        (OCT_2024, "0.001", f"0.1% of premium, sell, {_STT_OCT24}"),
        (APR_2026, "0.0015", f"0.15% of premium, sell, {_STT_APR26}"),
    ),
}

# --------------------------------------------------------------------------------------
# Exchange transaction charges WITHOUT IPFT, by (cash exchange, segment), both sides.
# --------------------------------------------------------------------------------------
_NSE_OLD = (
    "NSE top-slab rate, Zerodha charges page 2024 snapshot (facts A.1), read as excluding IPFT; "
    "from 2023-04-01 when NSE withdrew its 6% IPF surcharge and IPFT began"
)
_NSE_OCT24 = "NSE circular (27-Sep-2024) reported by goodreturns.in, ndtvprofit.com, hindustantimes.com"
_BSE_EQ = "BSE ₹375/crore, groups A/B (eff. 2022-12-01; Zerodha text mirrored at capovex.in, facts A.1)"

EXCHANGE_TXN: dict[tuple[Exchange, Segment], RateSeries] = {
    (Exchange.NSE, Segment.DELIVERY): _series(
        "NSE equity transaction charge",
        (FIRST_SCHEDULE_DATE, "0.0000325", f"0.00325% ({_NSE_OLD})"),
        (OCT_2024, "0.0000297", f"₹2.97/lakh each side ({_NSE_OCT24})"),
    ),
    (Exchange.NSE, Segment.INTRADAY): _series(
        "NSE equity transaction charge",
        (FIRST_SCHEDULE_DATE, "0.0000325", f"0.00325% ({_NSE_OLD})"),
        (OCT_2024, "0.0000297", f"₹2.97/lakh each side ({_NSE_OCT24})"),
    ),
    (Exchange.NSE, Segment.FUTURES): _series(
        "NSE futures transaction charge",
        (FIRST_SCHEDULE_DATE, "0.000019", f"0.0019% ({_NSE_OLD})"),
        (OCT_2024, "0.0000173", f"₹1.73/lakh each side ({_NSE_OCT24})"),
    ),
    (Exchange.NSE, Segment.OPTIONS): _series(
        "NSE options transaction charge",
        (FIRST_SCHEDULE_DATE, "0.0005", f"0.05% of premium ({_NSE_OLD})"),
        (OCT_2024, "0.0003503", f"₹35.03/lakh of premium each side ({_NSE_OCT24})"),
    ),
    (Exchange.BSE, Segment.DELIVERY): _series(
        "BSE equity transaction charge", (FIRST_SCHEDULE_DATE, "0.0000375", f"{_BSE_EQ}; {_NOT_HELD_BEFORE}")
    ),
    (Exchange.BSE, Segment.INTRADAY): _series(
        "BSE equity transaction charge", (FIRST_SCHEDULE_DATE, "0.0000375", f"{_BSE_EQ}; {_NOT_HELD_BEFORE}")
    ),
    (Exchange.BSE, Segment.FUTURES): _series(
        "BSE futures transaction charge",
        (
            FIRST_SCHEDULE_DATE,
            "0",
            "BSE: no fee on index and stock futures (hindustantimes.com, rediff.com 27-Sep-2024)",
        ),
    ),
    # Gap: the facts do not give BSE SENSEX/BANKEX option charges before 1-Oct-2024 (the
    # press says the fee was "revised" then), so BSE options start on 2024-10-01 and an
    # earlier BSE options trade raises ScheduleNotFound rather than guess.
    (Exchange.BSE, Segment.OPTIONS): _series(
        "BSE options transaction charge",
        (
            OCT_2024,
            "0.000325",
            "SENSEX/BANKEX options ₹3,250/crore of premium (hindustantimes.com 27-Sep-2024)",
        ),
    ),
}

# --------------------------------------------------------------------------------------
# IPFT (Investor Protection Fund Trust) charge: NSE only, both sides.
# --------------------------------------------------------------------------------------
_IPFT = "NSE circular NSE/FA/56129 (24-Mar-2023, eff. 2023-04-01) via support.infinn.in; support.zerodha.com"
_IPFT_BSE = "BSE levies no separate IPFT (facts A.1 list it for NSE only; worked example E6)"

IPFT: dict[tuple[Exchange, Segment], RateSeries] = {
    (Exchange.NSE, Segment.DELIVERY): _series(
        "NSE IPFT", (FIRST_SCHEDULE_DATE, "0.000001", f"₹10/crore, {_IPFT}")
    ),
    (Exchange.NSE, Segment.INTRADAY): _series(
        "NSE IPFT", (FIRST_SCHEDULE_DATE, "0.000001", f"₹10/crore, {_IPFT}")
    ),
    (Exchange.NSE, Segment.FUTURES): _series(
        "NSE IPFT", (FIRST_SCHEDULE_DATE, "0.000001", f"₹10/crore, {_IPFT}")
    ),
    (Exchange.NSE, Segment.OPTIONS): _series(
        "NSE IPFT", (FIRST_SCHEDULE_DATE, "0.000005", f"₹50/crore of premium, {_IPFT}")
    ),
    (Exchange.BSE, Segment.DELIVERY): _series("BSE IPFT", (FIRST_SCHEDULE_DATE, "0", _IPFT_BSE)),
    (Exchange.BSE, Segment.INTRADAY): _series("BSE IPFT", (FIRST_SCHEDULE_DATE, "0", _IPFT_BSE)),
    (Exchange.BSE, Segment.FUTURES): _series("BSE IPFT", (FIRST_SCHEDULE_DATE, "0", _IPFT_BSE)),
    (Exchange.BSE, Segment.OPTIONS): _series("BSE IPFT", (FIRST_SCHEDULE_DATE, "0", _IPFT_BSE)),
}

# --------------------------------------------------------------------------------------
# SEBI turnover fee, stamp duty and GST.
# --------------------------------------------------------------------------------------
SEBI_FEE = _series(
    "SEBI turnover fee",
    (
        FIRST_SCHEDULE_DATE,
        "0.000001",
        "₹10/crore on buy and sell, all segments (Zerodha charges page copies; basantsecurities.com); "
        f"{_NOT_HELD_BEFORE}",
    ),
)

_STAMP = "uniform across states since 2020-07-01 (Zerodha charges copies at fundfolio.freshdesk.com)"

STAMP_DUTY: dict[Segment, RateSeries] = {
    Segment.DELIVERY: _series(
        "stamp duty delivery", (date(2020, 7, 1), "0.00015", f"₹1,500/crore buy, {_STAMP}")
    ),
    Segment.INTRADAY: _series(
        "stamp duty intraday", (date(2020, 7, 1), "0.00003", f"₹300/crore buy, {_STAMP}")
    ),
    Segment.FUTURES: _series(
        "stamp duty futures", (date(2020, 7, 1), "0.00002", f"₹200/crore buy, {_STAMP}")
    ),
    Segment.OPTIONS: _series(
        "stamp duty options", (date(2020, 7, 1), "0.00003", f"₹300/crore of premium, buy, {_STAMP}")
    ),
}
"""Stamp duty is charged on the **buy** side only."""

GST = _series(
    "GST",
    (
        date(2017, 7, 1),
        "0.18",
        "18% on brokerage + SEBI fee + exchange charges (+ IPFT for Zerodha) (facts A.1); "
        "GST rollout 2017-07-01",
    ),
)
"""GST rate (fraction) on the broker's and exchange's services."""
