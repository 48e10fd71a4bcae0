"""Golden tests: the worked examples E1–E6 of india-facts.md section A.2, and every regime boundary.

Expected values are copied from the facts file (items exact, totals to the paisa) or, for the
boundary days the file has no example for, worked by hand from the section A.1 rates with the
arithmetic shown next to the value. None is produced by the code under test.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

import pytest

from vyapari.core.errors import ScheduleNotFound
from vyapari.core.money import round_paise
from vyapari.costs import UpstoxFees, ZerodhaFees, round_trip
from vyapari.costs.round_trip import RoundTripCharges
from vyapari.model.enums import Exchange, Segment

AFTER_APR_2026 = date(2026, 5, 4)
BETWEEN = date(2025, 6, 2)  # inside 2024-10-01..2026-03-31


# (id, exchange, segment, qty, buy, sell, date,
#  brokerage, stt_exact, txn_incl_ipft, sebi, stamp, gst, total_exact, total_stt_rounded, total_with_dp)
# fmt: off
EXAMPLES = [
    ("E1", Exchange.NSE, Segment.DELIVERY, 100, "1000", "1010", AFTER_APR_2026,
     "0", "201.00", "6.1707", "0.201", "15.00", "1.146906", "223.52", "223.52", "238.86"),
    ("E2", Exchange.NSE, Segment.INTRADAY, 100, "1000", "1010", AFTER_APR_2026,
     "40", "25.25", "6.1707", "0.201", "3.00", "8.346906", "82.97", "82.72", None),
    ("E3", Exchange.NSE, Segment.INTRADAY, 10, "500", "505", AFTER_APR_2026,
     "3.015", "1.2625", "0.308535", "0.01005", "0.15", "0.6000453", "5.35", "5.08", None),
    ("E4", Exchange.NFO, Segment.FUTURES, 65, "24000", "24100", AFTER_APR_2026,
     "40", "783.25", "57.21495", "3.1265", "31.20", "18.061461", "932.85", "932.60", None),
    ("E4b", Exchange.NFO, Segment.FUTURES, 65, "24000", "24100", BETWEEN,
     "40", "313.30", "57.21495", "3.1265", "31.20", "18.061461", "462.90", "462.60", None),
    ("E5", Exchange.NFO, Segment.OPTIONS, 65, "100", "120", AFTER_APR_2026,
     "40", "11.70", "5.08079", "0.0143", "0.195", "8.1171162", "65.11", "65.41", None),
    ("E5b", Exchange.NFO, Segment.OPTIONS, 65, "100", "120", BETWEEN,
     "40", "7.80", "5.08079", "0.0143", "0.195", "8.1171162", "61.21", "61.41", None),
    ("E6", Exchange.BSE, Segment.DELIVERY, 100, "1000", "1010", AFTER_APR_2026,
     "0", "201.00", "7.5375", "0.201", "15.00", "1.39293", "225.13", "225.13", "240.47"),
]
# fmt: on
IDS = [e[0] for e in EXAMPLES]


def _trip(example: tuple, **flags: Any) -> RoundTripCharges:
    _id, exchange, segment, qty, buy, sell, on = example[:7]
    return round_trip(ZerodhaFees(**flags), exchange, segment, qty, Decimal(buy), Decimal(sell), on)


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_worked_example_items_match_the_facts_file_exactly(example: tuple) -> None:
    brokerage, stt, txn, sebi, stamp, gst = (Decimal(v) for v in example[7:13])
    items = _trip(example, exact_stt=True, include_dp=False).combined
    assert items.brokerage == brokerage
    assert items.stt == stt
    assert items.exchange_txn + items.ipft == txn
    assert items.sebi_fee == sebi
    assert items.stamp_duty == stamp
    assert items.gst == gst
    assert items.dp == 0


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_worked_example_total_exact_matches_to_the_paisa(example: tuple) -> None:
    assert _trip(example, exact_stt=True, include_dp=False).total == Decimal(example[13])


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_worked_example_total_with_stt_rounded_matches_to_the_paisa(example: tuple) -> None:
    assert _trip(example, include_dp=False).total == Decimal(example[14])


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e[15]], ids=[e[0] for e in EXAMPLES if e[15]])
def test_worked_example_total_with_dp_matches_to_the_paisa(example: tuple) -> None:
    trip = _trip(example)  # default model: STT rounded, DP on the delivery sell
    assert trip.combined.dp == Decimal("15.34")
    assert trip.sell is not None and trip.sell.dp == Decimal("15.34")
    assert trip.buy is not None and trip.buy.dp == 0
    assert trip.total == Decimal(example[15])


def test_round_trip_total_is_rounded_once_not_per_leg_e4() -> None:
    trip = _trip(EXAMPLES[3], exact_stt=True)
    assert trip.buy is not None and trip.sell is not None
    assert trip.total == Decimal("932.85")
    assert round_paise(trip.buy.total) + round_paise(trip.sell.total) != trip.total


def test_e2_without_ipft_gives_the_facts_sensitivity() -> None:
    items = _trip(EXAMPLES[1], exact_stt=True, include_ipft=False).combined
    assert items.exchange_txn == Decimal("5.9697")
    assert items.ipft == 0
    assert items.gst == Decimal("8.310726")
    assert _trip(EXAMPLES[1], exact_stt=True, include_ipft=False).total == Decimal("82.73")


def test_exchange_txn_item_excludes_ipft_e2() -> None:
    items = _trip(EXAMPLES[1], exact_stt=True).combined
    assert items.exchange_txn == Decimal("5.9697")  # 0.00297 % x 2,01,000
    assert items.ipft == Decimal("0.201")  # ₹10/crore x 2,01,000


def test_stt_is_rounded_per_leg_to_the_rupee_e3() -> None:
    trip = _trip(EXAMPLES[2])
    assert trip.sell is not None and trip.sell.stt == Decimal("1")  # 1.2625 -> 1
    assert trip.buy is not None and trip.buy.stt == 0


def test_breakeven_points_is_total_per_unit_to_the_paisa_e2() -> None:
    trip = _trip(EXAMPLES[1], exact_stt=True)
    assert trip.breakeven_points == Decimal("0.83")  # 82.97 / 100


# ---------------------------------------------------------------------------------------------
# Regime boundaries: 2023-04-01 (first date), 2024-10-01 and 2026-04-01.
# ---------------------------------------------------------------------------------------------
TripArgs = tuple[Exchange, Segment, int, Decimal, Decimal]  # exchange, segment, qty, buy, sell
E4_ARGS: TripArgs = (Exchange.NFO, Segment.FUTURES, 65, Decimal("24000"), Decimal("24100"))
E5_ARGS = (Exchange.NFO, Segment.OPTIONS, 65, Decimal("100"), Decimal("120"))
E2_ARGS = (Exchange.NSE, Segment.INTRADAY, 100, Decimal("1000"), Decimal("1010"))
# SENSEX option, 20 units, premium 100 -> 120 (BSE ₹3,250/crore premium, no IPFT).
BSE_OPT_ARGS = (Exchange.BFO, Segment.OPTIONS, 20, Decimal("100"), Decimal("120"))

BOUNDARIES = [
    # Futures before 2024-10-01: STT 0.0125 % x 15,66,500 = 195.8125 (196);
    # txn (0.0019 % + IPFT 0.0001 %) x 31,26,500 = 62.53; SEBI 3.1265; stamp 31.20;
    # GST 18 % x (40 + 62.53 + 3.1265) = 19.01817; total 351.68717 / 351.87467.
    ("fut 2024-09-30", E4_ARGS, date(2024, 9, 30), "351.69", "351.87"),
    ("fut 2024-10-01", E4_ARGS, date(2024, 10, 1), "462.90", "462.60"),  # = E4b
    ("fut 2026-03-31", E4_ARGS, date(2026, 3, 31), "462.90", "462.60"),  # = E4b
    ("fut 2026-04-01", E4_ARGS, date(2026, 4, 1), "932.85", "932.60"),  # = E4
    # Options before 2024-10-01: STT 0.0625 % x 7,800 = 4.875 (5); txn (0.05 % + 0.0005 %)
    # x 14,300 = 7.2215; SEBI 0.0143; stamp 0.195; GST 18 % x 47.2358 = 8.502444.
    ("opt 2024-09-30", E5_ARGS, date(2024, 9, 30), "60.81", "60.93"),
    ("opt 2024-10-01", E5_ARGS, date(2024, 10, 1), "61.21", "61.41"),  # = E5b
    ("opt 2026-03-31", E5_ARGS, date(2026, 3, 31), "61.21", "61.41"),  # = E5b
    ("opt 2026-04-01", E5_ARGS, date(2026, 4, 1), "65.11", "65.41"),  # = E5
    # Intraday before 2024-10-01: txn (0.00325 % + 0.0001 %) x 2,01,000 = 6.7335;
    # GST 18 % x (40 + 6.7335 + 0.201) = 8.44821; total 83.63271 / 83.38271.
    ("intraday 2023-04-01", E2_ARGS, date(2023, 4, 1), "83.63", "83.38"),
    ("intraday 2024-09-30", E2_ARGS, date(2024, 9, 30), "83.63", "83.38"),
    ("intraday 2024-10-01", E2_ARGS, date(2024, 10, 1), "82.97", "82.72"),  # = E2
    # BSE SENSEX options: STT 0.1 % x 2,400 = 2.4 (2); txn 0.0325 % x 4,400 = 1.43; SEBI 0.0044;
    # stamp 0.06; GST 18 % x 41.4344 = 7.458192; total 51.352592 / 50.952592.
    ("bse opt 2024-10-01", BSE_OPT_ARGS, date(2024, 10, 1), "51.35", "50.95"),
    # ... from 2026-04-01 STT 0.15 % x 2,400 = 3.6 (4): 52.552592 / 52.952592.
    ("bse opt 2026-04-01", BSE_OPT_ARGS, date(2026, 4, 1), "52.55", "52.95"),
]


@pytest.mark.parametrize("case", BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_regime_boundary_totals_match_hand_worked_values(case: tuple[Any, ...]) -> None:
    _name, args, on, exact, rounded = case
    args = cast(TripArgs, args)
    assert round_trip(ZerodhaFees(exact_stt=True), *args, on).total == Decimal(exact)
    assert round_trip(ZerodhaFees(), *args, on).total == Decimal(rounded)


@pytest.mark.parametrize("args", [E2_ARGS, E4_ARGS, E5_ARGS], ids=["intraday", "futures", "options"])
def test_trade_before_first_schedule_raises_naming_both_dates(args: TripArgs) -> None:
    with pytest.raises(ScheduleNotFound, match=r"2023-03-31.*first date held is 2023-04-01"):
        round_trip(ZerodhaFees(), *args, date(2023, 3, 31))


def test_bse_options_before_october_2024_is_a_documented_gap() -> None:
    with pytest.raises(ScheduleNotFound, match=r"BSE options on 2024-09-30.*2024-10-01"):
        round_trip(ZerodhaFees(), *BSE_OPT_ARGS, date(2024, 9, 30))


def test_upstox_charges_no_gst_on_ipft_e2() -> None:
    zerodha = round_trip(ZerodhaFees(exact_stt=True), *E2_ARGS, AFTER_APR_2026).combined
    upstox = round_trip(UpstoxFees(exact_stt=True), *E2_ARGS, AFTER_APR_2026).combined
    assert upstox.ipft == Decimal("0.201")
    # Upstox brokerage on ₹1 lakh intraday: min(₹20, 0.05 %) = ₹20 a leg, as Zerodha's.
    assert upstox.brokerage == Decimal("40")
    assert upstox.gst == Decimal("8.310726")  # 18 % x (40 + 5.9697 + 0.201), IPFT left out
    assert zerodha.gst - upstox.gst == Decimal("0.18") * Decimal("0.201")
    assert round_trip(UpstoxFees(exact_stt=True), *E2_ARGS, AFTER_APR_2026).total == Decimal("82.93")
