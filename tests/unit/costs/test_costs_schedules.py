"""Tests of the dated schedules as data and of their compilation into regimes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from vyapari.core.errors import ScheduleNotFound
from vyapari.costs import schedules as sch
from vyapari.costs.regimes import segment_schedule
from vyapari.model.enums import Exchange, Segment, Side

ALL_SERIES = [
    *sch.STT.values(),
    *sch.EXCHANGE_TXN.values(),
    *sch.IPFT.values(),
    *sch.STAMP_DUTY.values(),
    sch.SEBI_FEE,
    sch.GST,
]


def test_schedules_every_rate_is_a_decimal_fraction_with_a_cited_source() -> None:
    for series in ALL_SERIES:
        for step in series.steps:
            assert isinstance(step.rate, Decimal)
            assert Decimal(0) <= step.rate < Decimal(1), f"{series.name}: {step.rate} is not a fraction"
            assert len(step.source) > 10, f"{series.name} on {step.effective_from} has no source"


def test_schedules_cover_every_exchange_and_segment() -> None:
    for exchange in (Exchange.NSE, Exchange.BSE):
        for segment in Segment:
            assert (exchange, segment) in sch.EXCHANGE_TXN and (exchange, segment) in sch.IPFT
    for segment in Segment:
        assert segment in sch.STAMP_DUTY
        assert (segment, Side.BUY) in sch.STT and (segment, Side.SELL) in sch.STT


@pytest.mark.parametrize(
    ("segment", "on", "rate"),
    [
        (Segment.FUTURES, date(2023, 4, 1), "0.000125"),
        (Segment.FUTURES, date(2024, 9, 30), "0.000125"),
        (Segment.FUTURES, date(2024, 10, 1), "0.0002"),
        (Segment.FUTURES, date(2026, 3, 31), "0.0002"),
        (Segment.FUTURES, date(2026, 4, 1), "0.0005"),
        (Segment.OPTIONS, date(2024, 9, 30), "0.000625"),
        (Segment.OPTIONS, date(2024, 10, 1), "0.001"),
        (Segment.OPTIONS, date(2026, 4, 1), "0.0015"),
        (Segment.INTRADAY, date(2026, 4, 1), "0.00025"),
        (Segment.DELIVERY, date(2026, 4, 1), "0.001"),
    ],
)
def test_stt_sell_rate_follows_the_facts_dates(segment: Segment, on: date, rate: str) -> None:
    assert segment_schedule(Exchange.NSE, segment).rates_on(on).stt_sell == Decimal(rate)


@pytest.mark.parametrize(
    ("segment", "before", "after"),
    [
        (Segment.INTRADAY, "0.0000325", "0.0000297"),
        (Segment.FUTURES, "0.000019", "0.0000173"),
        (Segment.OPTIONS, "0.0005", "0.0003503"),
    ],
)
def test_nse_transaction_charge_changes_on_2024_10_01(segment: Segment, before: str, after: str) -> None:
    schedule = segment_schedule(Exchange.NSE, segment)
    assert schedule.rates_on(date(2024, 9, 30)).exchange_txn == Decimal(before)
    assert schedule.rates_on(date(2024, 10, 1)).exchange_txn == Decimal(after)


def test_derivative_exchange_names_share_the_cash_exchange_schedule() -> None:
    assert segment_schedule(Exchange.NFO, Segment.FUTURES) is segment_schedule(Exchange.NSE, Segment.FUTURES)
    assert segment_schedule(Exchange.BFO, Segment.OPTIONS).exchange is Exchange.BSE


def test_segment_schedule_regimes_start_at_each_rate_change() -> None:
    starts = [r.effective_from for r in segment_schedule(Exchange.NSE, Segment.OPTIONS).regimes]
    assert starts == [date(2023, 4, 1), date(2024, 10, 1), date(2026, 4, 1)]
    assert segment_schedule(Exchange.BSE, Segment.DELIVERY).first_date == sch.FIRST_SCHEDULE_DATE


def test_regime_index_maps_dates_and_raises_before_the_first() -> None:
    schedule = segment_schedule(Exchange.NSE, Segment.FUTURES)
    days = np.array(["2023-04-01", "2024-09-30", "2024-10-01", "2026-04-01", "2030-01-01"], "datetime64[D]")
    assert schedule.regime_index(days).tolist() == [0, 0, 1, 2, 2]
    with pytest.raises(ScheduleNotFound, match="2020-01-01"):
        schedule.regime_index(np.array(["2024-01-01", "2020-01-01"], "datetime64[D]"))


def test_rate_series_rejects_unsorted_steps_and_negative_rates() -> None:
    with pytest.raises(ValueError, match="increasing"):
        sch.RateSeries(
            "x",
            (
                sch.DatedRate(date(2024, 1, 2), Decimal("0"), "s"),
                sch.DatedRate(date(2024, 1, 1), Decimal("0"), "s"),
            ),
        )
    with pytest.raises(ValueError, match="rate"):
        sch.DatedRate(date(2024, 1, 1), Decimal("-0.1"), "s")
