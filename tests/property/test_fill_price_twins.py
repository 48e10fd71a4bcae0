"""The one-fill float pricing equals the array pricing to the bit, for every slippage model."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vyapari.costs.slippage import FixedBpsSlippage, NoSlippage, SlippageModel, VolumeShareSlippage
from vyapari.execution.pricing import fill_price_one, fill_prices, max_fill_quantity

MODELS: list[SlippageModel] = [
    NoSlippage(),
    FixedBpsSlippage(Decimal("5")),
    FixedBpsSlippage(Decimal("0.3")),
    VolumeShareSlippage(),
    VolumeShareSlippage(Decimal("0.1"), Decimal("0.37")),
]

prices = st.floats(min_value=0.05, max_value=100_000, allow_nan=False).map(lambda p: round(p, 2))
volumes = st.one_of(st.integers(0, 10**9).map(float), st.just(math.nan), st.floats(0, 1e7, allow_nan=False))


@settings(max_examples=400, deadline=None)
@given(
    model=st.sampled_from(MODELS),
    sign=st.sampled_from([1, -1]),
    ref=prices,
    qty=st.integers(-100_000, 100_000),
    volume=volumes,
)
def test_one_fill_is_the_array_result_to_the_bit(
    model: SlippageModel, sign: int, ref: float, qty: int, volume: float
) -> None:
    with np.errstate(invalid="ignore"):  # NaN volume cast to int64, as the kernels do
        array = fill_prices(model, np.array([sign]), np.array([ref]), np.array([qty]), np.array([volume]))
    assert fill_price_one(model, sign, ref, qty, volume) == float(array[0])


@settings(max_examples=200, deadline=None)
@given(model=st.sampled_from(MODELS), volume=volumes)
def test_one_bar_cap_is_the_array_cap(model: SlippageModel, volume: float) -> None:
    vol = np.array([0 if math.isnan(volume) else int(volume)], dtype=np.int64)
    assert max_fill_quantity(model, volume) == int(model.max_fill_quantity_array(vol)[0])


@settings(max_examples=400, deadline=None)
@given(
    model=st.sampled_from(MODELS),
    sign=st.sampled_from([1, -1]),
    ref=prices,
    qty=st.integers(0, 100_000),
    volume=st.integers(0, 10**9),
)
def test_unrounded_float_twin_is_the_array_twin_to_the_bit(
    model: SlippageModel, sign: int, ref: float, qty: int, volume: int
) -> None:
    array = model.fill_price_array(np.array([sign]), np.array([ref]), np.array([qty]), np.array([volume]))
    assert model.fill_price_float(sign, ref, qty, volume) == float(array[0])
