from decimal import Decimal

import pytest

from vyapari.core.money import format_inr, round_paise, round_rupee, round_to_step, to_decimal


def test_round_paise_rounds_half_up():
    assert round_paise(Decimal("3.015")) == Decimal("3.02")
    assert round_paise(Decimal("3.0149")) == Decimal("3.01")


def test_round_rupee_rounds_half_up_like_contract_notes():
    assert round_rupee(Decimal("25.25")) == Decimal("25")
    assert round_rupee(Decimal("0.5")) == Decimal("1")
    assert round_rupee(Decimal("11.70")) == Decimal("12")


def test_to_decimal_keeps_float_repr_exact():
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal("1,000.50") == Decimal("1000.50")


@pytest.mark.parametrize("bad", ["abc", float("nan"), "inf", True, None])
def test_to_decimal_rejects_non_numbers_naming_the_field(bad):
    with pytest.raises(ValueError, match="price"):
        to_decimal(bad, name="price")


def test_round_to_step_snaps_to_tick():
    assert round_to_step(Decimal("100.07"), Decimal("0.05")) == Decimal("100.05")
    with pytest.raises(ValueError):
        round_to_step(Decimal("1"), Decimal("0"))


def test_format_inr_uses_indian_grouping():
    assert format_inr(Decimal("1234567.891")) == "₹12,34,567.89"
    assert format_inr(Decimal("-999")) == "-₹999.00"
