"""Tests of the slippage models (price, not cash) and their array twins."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from vyapari.costs import UNLIMITED, FixedBpsSlippage, NoSlippage, VolumeShareSlippage
from vyapari.model.enums import Side


def test_no_slippage_fills_at_reference_without_a_cap() -> None:
    model = NoSlippage()
    assert model.fill_price(Side.BUY, Decimal("100.05"), 10, 1000) == Decimal("100.05")
    assert model.max_fill_quantity(1000) == UNLIMITED
    assert model.fill_price_array(
        np.array([1, -1]), np.array([1.5, 2.5]), np.array([1, 1]), np.array([0, 0])
    ).tolist() == [1.5, 2.5]
    assert model.max_fill_quantity_array(np.array([0, 5])).tolist() == [UNLIMITED, UNLIMITED]


def test_fixed_bps_slippage_is_adverse_for_buys_and_sells() -> None:
    model = FixedBpsSlippage(Decimal("10"))
    assert model.fill_price(Side.BUY, Decimal("1000"), 1, 1) == Decimal("1001")
    assert model.fill_price(Side.SELL, Decimal("1000"), 1, 1) == Decimal("999")
    got = model.fill_price_array(
        np.array([1, -1], dtype=np.int8), np.array([1000.0, 1000.0]), np.array([1, 1]), np.array([1, 1])
    )
    assert np.allclose(got, [1001.0, 999.0], rtol=0, atol=1e-9)


@pytest.mark.parametrize("bps", ["-1", "10000", "abc"])
def test_fixed_bps_slippage_rejects_bad_bps_naming_the_field(bps: str) -> None:
    with pytest.raises(ValueError, match="bps"):
        FixedBpsSlippage(bps)  # type: ignore[arg-type]


def test_volume_share_slippage_impact_is_price_impact_times_share_squared() -> None:
    model = VolumeShareSlippage(volume_limit=Decimal("0.1"), price_impact=Decimal("0.1"))
    # 50 of 1,000 = 5 % participation -> impact 0.1 x 0.05² = 0.00025 of price.
    assert model.fill_price(Side.BUY, Decimal("200"), 50, 1000) == Decimal("200.05")
    assert model.fill_price(Side.SELL, Decimal("200"), 50, 1000) == Decimal("199.95")


def test_volume_share_slippage_impact_grows_with_participation_and_is_capped() -> None:
    model = VolumeShareSlippage()
    prices = [model.fill_price(Side.BUY, Decimal("100"), q, 10_000) for q in (10, 100, 250, 1000)]
    assert prices[0] < prices[1] < prices[2] == prices[3]  # share capped at volume_limit 2.5 %
    assert prices[2] == Decimal("100") * (1 + Decimal("0.1") * Decimal("0.025") ** 2)


def test_volume_share_slippage_caps_fills_at_floor_of_volume_limit_share() -> None:
    model = VolumeShareSlippage()  # 2.5 %
    assert [model.max_fill_quantity(v) for v in (0, 39, 40, 79, 80, 1_000_001)] == [0, 0, 1, 1, 2, 25_000]
    got = model.max_fill_quantity_array(np.array([0, 39, 40, 79, 80, 1_000_001]))
    assert got.tolist() == [0, 0, 1, 1, 2, 25_000]


def test_volume_share_slippage_empty_bar_uses_the_capped_share() -> None:
    model = VolumeShareSlippage()
    capped = Decimal("100") * (1 + Decimal("0.1") * Decimal("0.025") ** 2)
    assert model.fill_price(Side.BUY, Decimal("100"), 5, 0) == capped
    assert model.fill_price_array(np.array([1]), np.array([100.0]), np.array([5]), np.array([0]))[
        0
    ] == pytest.approx(float(capped), abs=1e-12)


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("volume_limit", {"volume_limit": Decimal("0")}),
        ("volume_limit", {"volume_limit": Decimal("1.5")}),
        ("price_impact", {"price_impact": Decimal("-0.1")}),
    ],
)
def test_volume_share_slippage_validates_its_fields(field: str, kwargs: dict) -> None:
    with pytest.raises(ValueError, match=field):
        VolumeShareSlippage(**kwargs)


def test_volume_share_slippage_array_twin_matches_decimal() -> None:
    model = VolumeShareSlippage(volume_limit=Decimal("0.05"), price_impact=Decimal("0.2"))
    rng = np.random.default_rng(7)
    side = rng.choice(np.array([1, -1], dtype=np.int8), 200)
    ref = rng.integers(100, 500_000, 200) / 100
    qty = rng.integers(1, 5_000, 200)
    vol = rng.integers(0, 100_000, 200)
    got = model.fill_price_array(side, ref, qty, vol)
    for i in range(200):
        want = model.fill_price(
            Side.BUY if side[i] > 0 else Side.SELL, Decimal(repr(float(ref[i]))), int(qty[i]), int(vol[i])
        )
        assert abs(got[i] - float(want)) < 1e-9
    assert model.max_fill_quantity_array(vol).tolist() == [model.max_fill_quantity(int(v)) for v in vol]
