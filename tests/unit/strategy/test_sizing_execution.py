from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from vyapari.model.enums import OrderType, ProductType, Side
from vyapari.strategy.execution import LimitExecution, MarketExecution, StopExecution
from vyapari.strategy.sizing import (
    FixedNotional,
    FixedQuantity,
    Kelly,
    SizingInputs,
    VolatilityTarget,
    hold_targets,
)


def inputs(weight, price, *, mean=0.0, vol=0.0, lot=1, capital=1_000_000.0):
    n = len(weight)
    return SizingInputs(
        np.asarray(weight, float),
        np.asarray(price, float),
        np.full(n, mean),
        np.full(n, vol),
        np.full(n, lot, dtype=np.int64),
        capital,
    )


def test_fixed_quantity_rounds_down_to_whole_lots():
    assert FixedQuantity(100).quantities(inputs([1, -1], [50, 50], lot=75)).tolist() == [75, -75]


def test_fixed_notional_buys_what_the_rupees_pay_for():
    assert FixedNotional(10_000).quantities(inputs([1, 0.5], [333.0, 100.0])).tolist() == [30, 50]


def test_sizes_never_exceed_the_capital():
    assert FixedQuantity(1_000).quantities(inputs([1], [100.0], capital=25_000)).tolist() == [250]


def test_volatility_target_scales_inversely_with_volatility():
    sizer = VolatilityTarget(annual_target=0.20, bars_per_year=250, max_leverage=1.0)
    calm, wild = (
        sizer.quantities(inputs([1, 1], [100, 100], vol=0.005, capital=100_000)).tolist()[0],
        sizer.quantities(inputs([1], [100], vol=0.02, capital=100_000)).tolist()[0],
    )
    # 0.5 % daily vol = 7.9 % a year → capped at 1× capital (1,000 shares); 2 % daily = 31.6 % → 63 %
    assert calm == 1000
    assert wild == int(0.20 / (0.02 * np.sqrt(250)) * 100_000 / 100)


def test_kelly_is_fractional_capped_and_zero_without_an_edge():
    sizer = Kelly(fraction=0.5, cap=1.0)
    assert sizer.quantities(inputs([1], [100], mean=0.0, vol=0.01)).tolist() == [0]
    # mean 0.0001, var 0.0001 → full Kelly 1.0, half → 0.5 of capital
    assert sizer.quantities(inputs([1], [100], mean=0.0001, vol=0.01, capital=100_000)).tolist() == [500]
    assert sizer.quantities(inputs([1], [100], mean=0.01, vol=0.01, capital=100_000)).tolist() == [1000]
    with pytest.raises(ValueError):
        Kelly(fraction=1.5)


def test_hold_targets_sizes_at_the_change_and_holds():
    weights = np.array([[0.0], [1.0], [1.0], [1.0], [0.0]])
    close = np.array([[100.0], [100.0], [200.0], [50.0], [50.0]])
    targets = hold_targets(weights, close, np.ones(1, dtype=np.int64), FixedNotional(10_000), 1e6)
    assert targets[:, 0].tolist() == [0, 100, 100, 100, 0]  # no rebalancing when the price moves


class Ctx:
    """A minimal context for execution models."""

    from datetime import date as _date

    session_date = _date(2025, 9, 10)

    symbols = ("AAA",)
    valid = np.array([True])
    lot_sizes = np.array([1])
    close = np.array([1234.56])

    def __init__(self):
        self.positions = np.array([0])
        self.sent = []

    def open_orders(self):
        return []

    def is_squareoff_time(self):
        return False

    def column(self, symbol):
        return 0

    def submit(self, request):
        self.sent.append(request)
        return "id"

    def cancel(self, client_order_id):
        pass


def _ctx() -> Any:
    """A fresh :class:`Ctx`, typed loosely: it stands in for the StrategyContext protocol in part."""
    return Ctx()


def test_limit_execution_rounds_to_the_tick_in_the_traders_favour():
    ctx = _ctx()
    LimitExecution(offset_bps=10, tick=Decimal("0.10")).apply(ctx, np.array([5]), ProductType.MIS)
    (req,) = ctx.sent
    assert req.order_type is OrderType.LIMIT and req.side is Side.BUY
    assert req.limit_price == Decimal("1233.30")  # 1234.56 × 0.999 = 1233.325 → down to the tick


def test_stop_execution_places_the_trigger_beyond_the_close():
    ctx = _ctx()
    ctx.positions = np.array([5])
    StopExecution(offset_bps=10, tick=Decimal("0.05")).apply(ctx, np.array([0]), ProductType.MIS)
    (req,) = ctx.sent
    assert req.order_type is OrderType.SL_M and req.side is Side.SELL
    assert req.trigger_price == Decimal("1233.30")  # 1233.325 → down for a sell stop


def test_no_new_mis_orders_after_the_square_off_time():
    ctx = _ctx()
    ctx.is_squareoff_time = lambda: True
    MarketExecution().apply(ctx, np.array([5]), ProductType.MIS)
    assert ctx.sent == []


def test_limit_execution_uses_the_dated_tick_band_by_default():
    ctx = _ctx()  # ₹1,234.56 on 2025-09-10: the >1,000–5,000 band of 15-Apr-2025 has a ₹0.10 tick
    LimitExecution(offset_bps=10).apply(ctx, np.array([5]), ProductType.MIS)
    assert ctx.sent[0].limit_price == Decimal("1233.30")
    ctx = _ctx()
    ctx.close = np.array([240.123])  # below ₹250 the tick is ₹0.01
    LimitExecution(offset_bps=0).apply(ctx, np.array([5]), ProductType.MIS)
    assert ctx.sent[0].limit_price == Decimal("240.12")
