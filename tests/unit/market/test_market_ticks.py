"""Tick sizes by date (both regimes, every band boundary) and rounding to a tick."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vyapari.core.errors import InvalidInput, ScheduleNotFound
from vyapari.market.ticks import DATA_START, is_on_tick, round_to_tick, tick_regime, tick_size
from vyapari.model.enums import Exchange, InstrumentKind, Side

D = Decimal
NEW = date(2025, 4, 15)  # first day of the price-linked bands
OLD = date(2025, 4, 14)
FUT, OPT, EQ = InstrumentKind.FUTURE, InstrumentKind.OPTION, InstrumentKind.EQUITY


@pytest.mark.parametrize(
    ("price", "tick"),
    [
        ("0.01", "0.01"), ("249.99", "0.01"),
        ("250", "0.05"), ("250.00", "0.05"), ("250.01", "0.05"),  # "250 - 1,000 -> 0.05": 250 included
        ("999.95", "0.05"), ("1000", "0.05"),  # 1,000 itself is still 0.05
        ("1000.01", "0.10"), ("5000", "0.10"),  # "> 1,000 - 5,000 -> 0.10"
        ("5000.01", "0.50"), ("10000", "0.50"),
        ("10000.01", "1.00"), ("20000", "1.00"),
        ("20000.01", "5.00"), ("150000", "5.00"),
    ],
)
def test_tick_size_nse_equity_bands_from_2025_04_15_at_every_boundary(price, tick):
    assert tick_size(D(price), NEW) == D(tick)
    assert tick_size(D(price), NEW, kind=FUT) == D(tick), "stock futures follow the cash tick"


@pytest.mark.parametrize(
    ("price", "on", "tick"),
    [
        ("249.99", date(2024, 6, 9), "0.05"),  # before the one-paisa tick
        ("249.99", date(2024, 6, 10), "0.01"),
        ("250", date(2024, 6, 10), "0.05"),
        ("1000.05", OLD, "0.05"),  # old regime: no 0.10 band yet
        ("25000", OLD, "0.05"),
        ("10", date(2020, 1, 1), "0.05"),
    ],
)
def test_tick_size_nse_equity_before_the_price_bands(price, on, tick):
    assert tick_size(D(price), on) == D(tick)


def test_tick_size_nse_stock_futures_got_the_one_paisa_tick_on_2024_07_08():
    assert tick_size(D("100"), date(2024, 7, 5), kind=FUT) == D("0.05")
    assert tick_size(D("100"), date(2024, 7, 8), kind=FUT) == D("0.01")


@pytest.mark.parametrize(
    ("level", "on", "tick"),
    [
        ("15000", NEW, "0.05"), ("15000.05", NEW, "0.10"), ("30000", NEW, "0.10"), ("30000.05", NEW, "0.20"),
        ("24000", OLD, "0.05"), ("55000", OLD, "0.05"),
    ],
)
def test_tick_size_nse_index_futures_by_index_level(level, on, tick):
    assert tick_size(D(level), on, kind=FUT, is_index=True) == D(tick)
    assert tick_size(D(level), on, exchange=Exchange.NFO, kind=FUT, is_index=True) == D(tick)


@pytest.mark.parametrize("exchange", [Exchange.NSE, Exchange.BSE, Exchange.NFO, Exchange.BFO])
@pytest.mark.parametrize("is_index", [False, True])
@pytest.mark.parametrize("on", [OLD, NEW])
@pytest.mark.parametrize("premium", ["0.05", "120", "30000"])
def test_tick_size_all_options_are_0_05(exchange, is_index, on, premium):
    assert tick_size(D(premium), on, exchange=exchange, kind=OPT, is_index=is_index) == D("0.05")


@pytest.mark.parametrize(("price", "tick"), [("99.99", "0.01"), ("100", "0.05"), ("2500", "0.05")])
def test_tick_size_bse_equity_is_one_paisa_below_100(price, tick):
    assert tick_size(D(price), NEW, exchange=Exchange.BSE) == D(tick)


def test_tick_size_bse_equity_before_march_2023_was_one_paisa_up_to_15():
    assert tick_size(D("15"), date(2022, 6, 1), exchange=Exchange.BSE) == D("0.01")
    assert tick_size(D("50"), date(2022, 6, 1), exchange=Exchange.BSE) == D("0.05")


def test_tick_size_rejects_bad_input_with_a_named_error():
    with pytest.raises(InvalidInput, match="price: must be positive"):
        tick_size(D("0"), NEW)
    with pytest.raises(ScheduleNotFound, match="data starts"):
        tick_size(D("100"), date(1999, 12, 31))
    with pytest.raises(InvalidInput, match="index equity"):
        tick_size(D("100"), NEW, is_index=True)


def test_tick_regime_carries_its_effective_date_and_source():
    regime = tick_regime(NEW)
    assert regime.effective_from == NEW and "fyers.in" in regime.source
    assert tick_regime(DATA_START).effective_from == DATA_START


@pytest.mark.parametrize(
    ("price", "tick", "side", "expected"),
    [
        ("100.07", "0.05", Side.BUY, "100.05"),
        ("100.07", "0.05", Side.SELL, "100.10"),
        ("100.07", "0.05", None, "100.05"),
        ("100.075", "0.05", None, "100.10"),  # half a tick rounds up
        ("100.05", "0.05", Side.BUY, "100.05"),
        ("100.05", "0.05", Side.SELL, "100.05"),
        ("1234.56", "0.10", Side.SELL, "1234.60"),
        ("20003", "5.00", Side.BUY, "20000.00"),
        ("249.999", "0.01", Side.BUY, "249.99"),
    ],
)
def test_round_to_tick_buy_rounds_down_sell_up_none_to_nearest(price, tick, side, expected):
    result = round_to_tick(D(price), D(tick), side)
    assert result == D(expected)
    assert str(result) == expected


def test_round_to_tick_rejects_a_non_positive_tick():
    with pytest.raises(InvalidInput, match="tick: must be positive"):
        round_to_tick(D("100"), D("0"))


@given(
    price=st.decimals(min_value=D("0.01"), max_value=D("100000"), places=4),
    tick=st.sampled_from([D("0.01"), D("0.05"), D("0.10"), D("0.50"), D("1.00"), D("5.00")]),
)
def test_round_to_tick_results_are_on_tick_and_bracket_the_price(price, tick):
    down, up, near = (round_to_tick(price, tick, s) for s in (Side.BUY, Side.SELL, None))
    assert all(is_on_tick(v, tick) for v in (down, up, near))
    assert down <= price <= up and up - down in (D(0), tick)
    assert abs(near - price) <= tick / 2
