"""Statutory rates resolved per (exchange, segment) into regimes, for scalar and array lookups.

A *regime* is a date range over which every statutory rate of one exchange and segment is
constant. :func:`segment_schedule` compiles the dated series of
:mod:`vyapari.costs.schedules` into a :class:`SegmentSchedule` once (cached); the Decimal
fee model looks a date up with :meth:`SegmentSchedule.rates_on`, the array kernel with
:meth:`SegmentSchedule.regime_index` plus the float64 rate vectors of
:meth:`SegmentSchedule.rate_arrays`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

import numpy as np

from vyapari.core.errors import ScheduleNotFound
from vyapari.costs import schedules as sch
from vyapari.model.enums import Exchange, Segment, Side


@dataclass(frozen=True, slots=True)
class StatutoryRates:
    """Every statutory rate of one exchange and segment in one regime (fractions of turnover).

    ``stamp_buy`` applies to buys only; STT has a rate per side; the rest apply to both
    sides. ``gst`` is the GST rate on brokerage, SEBI fee and exchange charges.
    """

    effective_from: date
    stt_buy: Decimal
    stt_sell: Decimal
    exchange_txn: Decimal
    ipft: Decimal
    sebi_fee: Decimal
    stamp_buy: Decimal
    gst: Decimal

    def stt(self, side: Side) -> Decimal:
        """The STT rate (fraction) for ``side``."""
        return self.stt_buy if side is Side.BUY else self.stt_sell


_RATE_NAMES = ("stt_buy", "stt_sell", "exchange_txn", "ipft", "sebi_fee", "stamp_buy", "gst")


@dataclass(frozen=True)
class SegmentSchedule:
    """The regimes of one (cash exchange, segment), oldest first.

    Attributes
    ----------
    exchange, segment
        What the schedule is for (``exchange`` is NSE or BSE).
    regimes : tuple of StatutoryRates
        Ordered by ``effective_from``; the first one's date is the first date held.
    """

    exchange: Exchange
    segment: Segment
    regimes: tuple[StatutoryRates, ...]
    _starts: np.ndarray = field(init=False, repr=False, compare=False)
    _arrays: dict[str, np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = np.array([r.effective_from for r in self.regimes], dtype="datetime64[D]")
        arrays = {n: np.array([float(getattr(r, n)) for r in self.regimes]) for n in _RATE_NAMES}
        for arr in (starts, *arrays.values()):
            arr.setflags(write=False)
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "_arrays", arrays)

    @property
    def first_date(self) -> date:
        """The first session date this schedule holds rates for."""
        return self.regimes[0].effective_from

    def _not_found(self, on: date | np.datetime64) -> ScheduleNotFound:
        day = on.isoformat() if isinstance(on, date) else str(on)
        return ScheduleNotFound(
            f"no charge schedule for {self.exchange.value} {self.segment.value} on {day}: "
            f"the first date held is {self.first_date.isoformat()}"
        )

    def rates_on(self, on: date) -> StatutoryRates:
        """The rates in force on session date ``on``; ``ScheduleNotFound`` if before the first."""
        pos = bisect.bisect_right([r.effective_from for r in self.regimes], on) - 1
        if pos < 0:
            raise self._not_found(on)
        return self.regimes[pos]

    def regime_index(self, trade_date: np.ndarray) -> np.ndarray:
        """Index into :attr:`regimes` of each date (``datetime64[D]`` array) as ``intp``.

        Raises ``ScheduleNotFound`` naming the earliest date if any precedes the first regime.
        """
        days = np.asarray(trade_date).astype("datetime64[D]", copy=False)
        idx = np.searchsorted(self._starts, days, side="right") - 1
        if idx.size and idx.min() < 0:
            raise self._not_found(days[idx < 0].min())
        return idx

    def rate_arrays(self) -> dict[str, np.ndarray]:
        """float64 rate per regime by name (``stt_buy``, ..., ``gst``); read-only arrays."""
        return self._arrays


def _series_for(exchange: Exchange, segment: Segment) -> dict[str, sch.RateSeries]:
    """The dated series behind each rate of ``(exchange, segment)``."""
    return {
        "stt_buy": sch.STT[(segment, Side.BUY)],
        "stt_sell": sch.STT[(segment, Side.SELL)],
        "exchange_txn": sch.EXCHANGE_TXN[(exchange, segment)],
        "ipft": sch.IPFT[(exchange, segment)],
        "sebi_fee": sch.SEBI_FEE,
        "stamp_buy": sch.STAMP_DUTY[segment],
        "gst": sch.GST,
    }


def segment_schedule(exchange: Exchange, segment: Segment) -> SegmentSchedule:
    """The compiled statutory schedule of ``exchange`` (NFO/BFO → NSE/BSE) and ``segment``.

    The first regime starts on the latest of :data:`~vyapari.costs.schedules.FIRST_SCHEDULE_DATE`
    and every contributing series' first date; a new regime starts wherever any rate changes.
    Compiled once per (cash exchange, segment) and shared.
    """
    return _compile(Exchange(exchange).cash_exchange, Segment(segment))


_RATES_ON: dict[tuple[Exchange, Segment, date], StatutoryRates] = {}


def rates_on(exchange: Exchange, segment: Segment, on: date) -> StatutoryRates:
    """``segment_schedule(exchange, segment).rates_on(on)``, remembered per (exchange, segment,
    date): a fee model prices every fill of a session with the same rates."""
    key = (exchange, segment, on)
    found = _RATES_ON.get(key)
    if found is None:
        found = _RATES_ON[key] = segment_schedule(exchange, segment).rates_on(on)
    return found


@lru_cache(maxsize=16)
def _compile(exchange: Exchange, segment: Segment) -> SegmentSchedule:
    series = _series_for(exchange, segment)
    start = max([sch.FIRST_SCHEDULE_DATE, *(s.first_date for s in series.values())])
    later = {st.effective_from for s in series.values() for st in s.steps if st.effective_from > start}
    regimes = tuple(
        StatutoryRates(on, **{name: s.rate_on(on) for name, s in series.items()})
        for on in sorted({start, *later})
    )
    return SegmentSchedule(exchange, segment, regimes)
