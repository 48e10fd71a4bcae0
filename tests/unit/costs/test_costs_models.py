"""Unit tests of the fee models, the trade leg, the spec normaliser and the array twins."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pytest

from vyapari.core.errors import InvalidInput, ScheduleNotFound
from vyapari.costs import (
    FeeModel,
    IndianEquityFees,
    NoFees,
    SimpleFees,
    TradeLeg,
    UpstoxFees,
    ZerodhaFees,
    fee_model_from_spec,
    round_trip,
)
from vyapari.costs.indian import round_rupee_array
from vyapari.model.charges import Charges
from vyapari.model.enums import Exchange, Segment, Side

ON = date(2026, 5, 4)


def _leg(
    segment: Segment = Segment.INTRADAY,
    side: Side = Side.SELL,
    *,
    qty: int = 100,
    price: str = "1000",
    on: date = ON,
    exchange: Exchange = Exchange.NSE,
) -> TradeLeg:
    return TradeLeg(exchange, segment, side, qty, Decimal(price), on)


# --- TradeLeg -----------------------------------------------------------------------------------
@pytest.mark.parametrize("qty", [0, -1, 1.5, True])
def test_trade_leg_rejects_a_quantity_that_is_not_a_positive_whole_number(qty: object) -> None:
    with pytest.raises(InvalidInput, match="quantity"):
        TradeLeg(Exchange.NSE, Segment.INTRADAY, Side.BUY, qty, Decimal("1"), ON)  # type: ignore[arg-type]


@pytest.mark.parametrize("price", ["0", "-1", "nan", "abc"])
def test_trade_leg_rejects_a_price_that_is_not_positive(price: str) -> None:
    with pytest.raises(ValueError, match="price"):
        TradeLeg(Exchange.NSE, Segment.INTRADAY, Side.BUY, 1, price, ON)  # type: ignore[arg-type]


def test_trade_leg_rejects_a_datetime_for_the_session_date() -> None:
    with pytest.raises(InvalidInput, match="trade_date"):
        TradeLeg(Exchange.NSE, Segment.INTRADAY, Side.BUY, 1, Decimal("1"), datetime(2026, 5, 4, 10, 0))


def test_trade_leg_normalises_strings_to_enums_and_numbers_to_decimal() -> None:
    leg = TradeLeg("NFO", "futures", "BUY", 65, 24000, ON)  # type: ignore[arg-type]
    assert (leg.exchange, leg.segment, leg.side) == (Exchange.NFO, Segment.FUTURES, Side.BUY)
    assert leg.price == Decimal("24000") and leg.turnover == Decimal("1560000")


# --- statutory rules ----------------------------------------------------------------------------
def test_stt_is_charged_on_sell_side_only_for_intraday() -> None:
    assert ZerodhaFees().charges(_leg(side=Side.BUY)).stt == 0
    assert ZerodhaFees().charges(_leg(side=Side.SELL)).stt == Decimal("25")  # 0.025 % x 1 lakh


def test_stt_is_charged_on_both_sides_for_delivery() -> None:
    for side in Side:
        assert ZerodhaFees().charges(_leg(Segment.DELIVERY, side)).stt == Decimal("100")


def test_stamp_duty_is_charged_on_buy_side_only() -> None:
    assert ZerodhaFees().charges(_leg(Segment.DELIVERY, Side.BUY)).stamp_duty == Decimal("15")
    assert ZerodhaFees().charges(_leg(Segment.DELIVERY, Side.SELL)).stamp_duty == 0


def test_stt_half_rupee_rounds_up_and_exact_stt_keeps_it() -> None:
    # Intraday sell of turnover ₹2,000: STT 0.025 % = ₹0.50 exactly.
    leg = _leg(qty=10, price="200")
    assert ZerodhaFees(exact_stt=True).charges(leg).stt == Decimal("0.5")
    assert ZerodhaFees().charges(leg).stt == Decimal("1")


def test_dp_is_charged_on_delivery_sell_only_and_can_be_switched_off() -> None:
    assert ZerodhaFees().charges(_leg(Segment.DELIVERY, Side.SELL)).dp == Decimal("15.34")
    assert ZerodhaFees().charges(_leg(Segment.DELIVERY, Side.BUY)).dp == 0
    assert ZerodhaFees().charges(_leg(Segment.INTRADAY, Side.SELL)).dp == 0
    assert ZerodhaFees(include_dp=False).charges(_leg(Segment.DELIVERY, Side.SELL)).dp == 0
    assert UpstoxFees().charges(_leg(Segment.DELIVERY, Side.SELL)).dp == Decimal("21.83")  # ₹18.5 + 18 %


def test_bse_charges_no_ipft() -> None:
    assert ZerodhaFees().charges(_leg(exchange=Exchange.BSE)).ipft == 0


def test_zerodha_brokerage_is_min_of_20_and_three_bps_for_intraday() -> None:
    assert ZerodhaFees().charges(_leg(qty=10, price="500")).brokerage == Decimal("1.5")
    assert ZerodhaFees().charges(_leg(qty=100, price="1000")).brokerage == Decimal("20")
    assert ZerodhaFees().charges(_leg(Segment.DELIVERY)).brokerage == 0
    assert ZerodhaFees().charges(_leg(Segment.OPTIONS, qty=1, price="1")).brokerage == Decimal("20")


def test_upstox_delivery_brokerage_is_min_of_20_and_two_and_a_half_percent() -> None:
    assert UpstoxFees().charges(_leg(Segment.DELIVERY, qty=1, price="500")).brokerage == Decimal("12.5")
    assert UpstoxFees().charges(_leg(Segment.DELIVERY, qty=100, price="1000")).brokerage == Decimal("20")


def test_upstox_intraday_brokerage_is_min_of_20_and_five_bps() -> None:
    assert UpstoxFees().charges(_leg(qty=10, price="500")).brokerage == Decimal("2.5")


def test_upstox_default_flags_differ_from_zerodha_on_gst_on_ipft_only() -> None:
    assert ZerodhaFees().gst_on_ipft is True and UpstoxFees().gst_on_ipft is False
    assert UpstoxFees().include_ipft is True and UpstoxFees().exact_stt is False


def test_gst_on_ipft_flag_can_be_overridden_per_model() -> None:
    leg = _leg()
    with_ipft = ZerodhaFees().charges(leg).gst
    without = ZerodhaFees(gst_on_ipft=False).charges(leg).gst
    assert with_ipft - without == Decimal("0.18") * Decimal("0.1")  # IPFT ₹10/crore on ₹1 lakh


def test_charges_before_first_schedule_raise_schedule_not_found() -> None:
    with pytest.raises(ScheduleNotFound, match="2022-01-03"):
        ZerodhaFees().charges(_leg(on=date(2022, 1, 3)))


# --- SimpleFees / NoFees ------------------------------------------------------------------------
def test_simple_fees_charge_bps_of_turnover_as_brokerage_only() -> None:
    charges = SimpleFees(Decimal("5")).charges(_leg(qty=100, price="1000"))
    assert charges == Charges(brokerage=Decimal("50"))  # 5 bps of ₹1 lakh


def test_simple_fees_reject_negative_bps_naming_the_field() -> None:
    with pytest.raises(ValueError, match="bps"):
        SimpleFees(Decimal("-1"))


def test_no_fees_charge_nothing_and_work_before_any_schedule() -> None:
    assert NoFees().charges(_leg(on=date(2001, 1, 1))).total == 0


# --- fee_model_from_spec ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "kind"),
    [("zerodha", ZerodhaFees), (" Upstox ", UpstoxFees), ("none", NoFees), ("bps:2.5", SimpleFees)],
)
def test_fee_model_from_spec_accepts_the_simple_forms(spec: str, kind: type) -> None:
    assert isinstance(fee_model_from_spec(spec), kind)


def test_fee_model_from_spec_parses_bps_and_applies_flags() -> None:
    assert fee_model_from_spec("bps:2.5") == SimpleFees(Decimal("2.5"))
    model = fee_model_from_spec("zerodha", exact_stt=True, include_ipft=False)
    assert isinstance(model, IndianEquityFees) and model.exact_stt and not model.include_ipft


def test_fee_model_from_spec_returns_a_model_instance_unchanged() -> None:
    model = UpstoxFees()
    assert fee_model_from_spec(model) is model
    assert fee_model_from_spec(model, exact_stt=True) == UpstoxFees(exact_stt=True)


@pytest.mark.parametrize("spec", ["icici", "bps:", "bps:x", "", "bps:-3"])
def test_fee_model_from_spec_rejects_unknown_specs_with_a_clear_message(spec: str) -> None:
    with pytest.raises(ValueError, match=r"fees|bps"):
        fee_model_from_spec(spec)


def test_fee_model_from_spec_rejects_flags_a_model_does_not_take() -> None:
    with pytest.raises(ValueError, match="fees"):
        fee_model_from_spec("none", exact_stt=True)
    with pytest.raises(ValueError, match="unknown flag"):
        fee_model_from_spec("zerodha", gst_on_stamp=True)


# --- round_trip ---------------------------------------------------------------------------------
def test_round_trip_allows_one_leg_and_rejects_none() -> None:
    buy_only = round_trip(ZerodhaFees(), Exchange.NSE, Segment.DELIVERY, 100, Decimal("1000"), None, ON)
    assert buy_only.sell is None and buy_only.buy is not None
    # STT 100 + txn 2.97 + IPFT 0.1 + SEBI 0.1 + stamp 15 + GST 18 % x 3.17 = 0.5706 -> 118.7406
    assert buy_only.total == Decimal("118.74")
    with pytest.raises(InvalidInput, match="buy_price/sell_price"):
        round_trip(ZerodhaFees(), Exchange.NSE, Segment.DELIVERY, 100, None, None, ON)


# --- array twins --------------------------------------------------------------------------------
def test_round_rupee_array_rounds_half_up_despite_binary_error() -> None:
    values = np.array([0.5, 1.4999, 2.5, 25.25, 0.1 * 3 * 5 / 3 + 0.0, 1e7 + 0.5, 0.49999])
    assert round_rupee_array(values).tolist() == [1.0, 1.0, 3.0, 25.0, 1.0, 1e7 + 1, 0.0]


def _regime_spanning_legs() -> tuple[np.ndarray, ...]:
    dates = np.array(
        ["2023-04-01", "2024-09-30", "2024-10-01", "2026-03-31", "2026-04-01", "2027-01-04"],
        dtype="datetime64[D]",
    )
    n = dates.size * 2
    side = np.tile(np.array([1, -1], dtype=np.int8), dates.size)
    qty = np.arange(1, n + 1, dtype=np.int64) * 37
    price = np.linspace(101.35, 24103.25, n).round(2)
    return side, qty, price, np.repeat(dates, 2)


@pytest.mark.parametrize(
    "model",
    [ZerodhaFees(), UpstoxFees(exact_stt=True), SimpleFees(Decimal("7")), NoFees()],
    ids=["zerodha", "upstox-exact", "bps7", "none"],
)
@pytest.mark.parametrize("segment", list(Segment))
def test_charges_total_array_equals_decimal_version_across_regimes(model: FeeModel, segment: Segment) -> None:
    side, qty, price, dates = _regime_spanning_legs()
    got = model.charges_total_array(Exchange.NSE, segment, side, qty, price, dates)
    for i in range(side.size):
        leg = TradeLeg(
            Exchange.NSE,
            segment,
            Side.BUY if side[i] > 0 else Side.SELL,
            int(qty[i]),
            Decimal(repr(float(price[i]))),
            dates[i].item(),
        )
        assert abs(got[i] - float(model.charges(leg).total)) < 1e-6


def test_default_charges_total_array_loops_over_charges() -> None:
    class FlatFive(FeeModel):
        def charges(self, leg: TradeLeg) -> Charges:
            return Charges(brokerage=Decimal("5"))

    got = FlatFive().charges_total_array(
        Exchange.NSE,
        Segment.INTRADAY,
        np.array([1, -1]),
        np.array([1, 2]),
        np.array([10.0, 20.0]),
        np.array(["2026-01-01"] * 2, "datetime64[D]"),
    )
    assert got.tolist() == [5.0, 5.0]


def test_charges_total_array_raises_for_a_date_before_the_first_schedule() -> None:
    side, qty, price, dates = _regime_spanning_legs()
    dates[3] = np.datetime64("2023-03-31")
    with pytest.raises(ScheduleNotFound, match="2023-03-31"):
        ZerodhaFees().charges_total_array(Exchange.NSE, Segment.INTRADAY, side, qty, price, dates)


@pytest.mark.parametrize(
    ("field", "side", "qty", "price"),
    [
        ("side_sign", [2], [1], [1.0]),
        ("quantity", [1], [0], [1.0]),
        ("price", [1], [1], [-1.0]),
        ("price", [1], [1], [np.nan]),
        ("arrays", [1, -1], [1], [1.0]),
    ],
)
def test_charges_total_array_validates_inputs(field: str, side: list, qty: list, price: list) -> None:
    dates = np.array(["2026-01-01"] * len(qty), dtype="datetime64[D]")
    with pytest.raises(InvalidInput, match=field):
        ZerodhaFees().charges_total_array(
            Exchange.NSE, Segment.INTRADAY, np.array(side), np.array(qty), np.array(price), dates
        )


def test_charges_total_array_of_no_legs_is_empty() -> None:
    empty = np.array([], dtype=np.int64)
    got = ZerodhaFees().charges_total_array(
        Exchange.NSE, Segment.FUTURES, empty, empty, empty.astype(float), empty.astype("datetime64[D]")
    )
    assert got.shape == (0,)
