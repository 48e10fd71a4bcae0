from decimal import Decimal

import numpy as np
import pytest
from bt_helpers import flat_bars, frame, minute_times, panel_of
from bt_strategies import Scripted

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.engine import run_backtest
from vyapari.costs.slippage import FixedBpsSlippage, VolumeShareSlippage
from vyapari.model.enums import OrderType, ProductType, Side
from vyapari.strategy.orders import OrderRequest

FREE = dict(fees="none")


def run(panel, script, product=ProductType.CNC, **cfg):
    strategy = Scripted(script, product)
    result = run_backtest(strategy, panel, BacktestConfig(**{**FREE, **cfg}))
    return result, strategy


def strategy_prices(result):
    """Fill prices of the strategy's orders (an MIS position's 15:20 square-off left out)."""
    orders = result.orders_frame()
    ours = set(orders.loc[orders["kind"] == "strategy", "client_order_id"])
    trades = result.trades_frame()
    return trades.loc[trades["client_order_id"].isin(ours), "price"].tolist()


def buy(qty=10, **kw):
    return OrderRequest("AAA", Side.BUY, qty, **kw)


def sell(qty=10, **kw):
    return OrderRequest("AAA", Side.SELL, qty, **kw)


def test_market_order_fills_at_next_bar_open():
    bars = [(100, 101, 99, 100.5, 1e6), (102, 103, 101, 102.5, 1e6), (104, 105, 103, 104, 1e6)]
    result, _ = run(panel_of(AAA=frame(bars, minute_times())), {0: [buy()]})
    trades = result.trades_frame()
    assert trades["price"].tolist() == [102.0]
    assert trades["ts"].iloc[0] == minute_times()[1]


def test_market_order_fills_at_same_bar_close_when_configured():
    bars = [(100, 101, 99, 100.5, 1e6), (102, 103, 101, 102.5, 1e6)]
    result, _ = run(panel_of(AAA=frame(bars, minute_times())), {0: [buy()]}, fill_at="same_close")
    assert result.trades_frame()["price"].tolist() == [100.5]


def test_order_on_last_bar_is_never_filled():
    bars = flat_bars(3)
    result, _ = run(panel_of(AAA=frame(bars, minute_times())), {2: [buy()]})
    assert result.summary["fills"] == 0 and result.summary["orders"] == 1


@pytest.mark.parametrize(
    ("side", "limit", "bar", "expected"),
    [
        (Side.BUY, 99.0, (100, 100.5, 98.5, 99.5), 99.0),  # touched inside the bar: at the limit
        (Side.BUY, 99.0, (97, 98, 96, 97.5), 97.0),  # gap down through the limit: at the open
        (Side.BUY, 99.0, (100, 101, 99.05, 100), None),  # never reached
        (Side.SELL, 101.0, (100, 101.5, 99, 100), 101.0),
        (Side.SELL, 101.0, (103, 104, 102, 103), 103.0),  # gap up through a sell limit
    ],
)
def test_limit_orders_fill_at_limit_or_better_open(side, limit, bar, expected):
    bars = [(100, 100, 100, 100, 1e6), (*bar, 1e6)]
    req = OrderRequest("AAA", side, 10, OrderType.LIMIT, ProductType.MIS, limit_price=Decimal(str(limit)))
    result, _ = run(panel_of(AAA=frame(bars, minute_times())), {0: [req]}, product=ProductType.MIS)
    prices = strategy_prices(result)  # MIS: a sell from flat is an intraday short
    assert prices == ([] if expected is None else [expected])


@pytest.mark.parametrize(
    ("side", "trigger", "bar", "expected"),
    [
        (Side.BUY, 101.0, (100, 102, 99.5, 101.5), 101.0),  # triggered inside: at the trigger
        (Side.BUY, 101.0, (103, 104, 102.5, 103.5), 103.0),  # gap through the trigger: at the open
        (Side.BUY, 101.0, (100, 100.9, 99, 100.5), None),
        (Side.SELL, 99.0, (100, 100.5, 98, 98.5), 99.0),
        (Side.SELL, 99.0, (96, 97, 95, 96.5), 96.0),
    ],
)
def test_stop_market_orders_trigger_and_gap(side, trigger, bar, expected):
    bars = [(100, 100, 100, 100, 1e6), (*bar, 1e6)]
    req = OrderRequest("AAA", side, 10, OrderType.SL_M, ProductType.MIS, trigger_price=Decimal(str(trigger)))
    result, _ = run(panel_of(AAA=frame(bars, minute_times())), {0: [req]}, product=ProductType.MIS)
    assert strategy_prices(result) == ([] if expected is None else [expected])


def test_stop_limit_does_not_fill_beyond_its_limit():
    bars = [(100, 100, 100, 100, 1e6), (103, 104, 102.5, 103.5, 1e6), (102, 102.5, 101.5, 102, 1e6)]
    req = OrderRequest(
        "AAA",
        Side.BUY,
        10,
        OrderType.SL,
        ProductType.MIS,
        limit_price=Decimal("102"),
        trigger_price=Decimal("101"),
    )
    result, _ = run(panel_of(AAA=frame(bars, minute_times())), {0: [req]}, product=ProductType.MIS)
    # bar 1 gaps through the trigger above the limit: triggered, no fill; bar 2 opens at the limit
    assert strategy_prices(result) == [102.0]


def test_volume_cap_splits_a_fill_across_bars():
    bars = [(100, 100, 100, 100, 1000)] * 4
    slip = VolumeShareSlippage(volume_limit=Decimal("0.01"), price_impact=Decimal("0"))
    result, _ = run(panel_of(AAA=frame(bars, minute_times())), {0: [buy(25)]}, slippage=slip)
    trades = result.trades_frame()
    assert trades["quantity"].tolist() == [10, 10, 5]
    assert (trades["quantity"] <= 0.01 * 1000).all()


def test_fixed_bps_slippage_moves_price_against_the_trader():
    bars = flat_bars(3)
    result, _ = run(
        panel_of(AAA=frame(bars, minute_times())),
        {0: [buy()], 1: [sell()]},
        slippage=FixedBpsSlippage(Decimal("10")),
    )
    assert result.trades_frame()["price"].tolist() == [100.1, 99.9]


def test_mis_position_is_squared_off_at_1520_open():
    times = minute_times(start=360, count=8)  # 15:15 .. 15:22
    bars = [(100 + i, 100 + i, 100 + i, 100 + i, 1e6) for i in range(8)]
    result, _ = run(panel_of(AAA=frame(bars, times)), {0: [buy()], 6: [buy()]}, product=ProductType.MIS)
    trades = result.trades_frame()
    assert trades["side"].tolist() == ["BUY", "SELL"]
    assert trades["ts"].iloc[1].strftime("%H:%M") == "15:20"
    assert trades["price"].iloc[1] == 105.0
    orders = result.orders_frame()
    assert orders["kind"].tolist() == ["strategy", "squareoff", "strategy"]
    assert orders["status"].iloc[2] == "REJECTED"
    assert result.positions[-1, 0] == 0


def test_mis_position_without_a_1520_bar_is_squared_off_at_the_last_close():
    times = minute_times(start=300, count=4)  # 14:15 .. 14:18, then the data stops
    bars = [
        (100, 100, 100, 100, 1e6),
        (101, 101, 101, 101, 1e6),
        (102, 102, 102, 102, 1e6),
        (103, 103.5, 103, 103.5, 1e6),
    ]
    result, _ = run(panel_of(AAA=frame(bars, times)), {0: [buy()]}, product=ProductType.MIS)
    trades = result.trades_frame()
    assert trades["price"].tolist() == [101.0, 103.5]
    assert trades["ts"].iloc[1] == times[3]


def test_mis_order_does_not_carry_over_to_the_next_session():
    from datetime import date

    import pandas as pd

    from vyapari.market.calendar import get_calendar
    from vyapari.model.enums import Exchange

    days = get_calendar(Exchange.NSE).sessions(date(2025, 9, 8), date(2025, 9, 10))
    bars = [(100, 100, 100, 100, 1e6), (101, 103, 100, 102, 1e6), (104, 104, 104, 104, 1e6)]
    panel = panel_of(AAA=frame(bars, pd.DatetimeIndex([s.open_at for s in days])))
    result, _ = run(panel, {0: [buy()]}, product=ProductType.MIS)
    assert result.summary["fills"] == 0
    assert result.orders_frame()["status"].tolist() == ["CANCELLED"]


def test_cnc_sell_never_goes_short():
    result, _ = run(panel_of(AAA=frame(flat_bars(4), minute_times())), {0: [buy(5)], 1: [sell(10)]})
    trades = result.trades_frame()
    assert trades["quantity"].tolist() == [5, 5]
    assert result.positions.min() == 0


def test_order_beyond_buying_power_is_reduced_to_affordable_lots():
    result, _ = run(panel_of(AAA=frame(flat_bars(3), minute_times())), {0: [buy(100)]}, capital_inr=5_000)
    assert result.trades_frame()["quantity"].tolist() == [50]
    result, _ = run(panel_of(AAA=frame(flat_bars(3), minute_times())), {0: [buy(100)]}, capital_inr=50)
    assert result.summary["fills"] == 0
    assert result.orders_frame()["reason"].iloc[0] == "insufficient buying power"


def test_intraday_leverage_allows_more_exposure_than_cash():
    result, _ = run(
        panel_of(AAA=frame(flat_bars(3), minute_times())),
        {0: [buy(100)]},
        product=ProductType.MIS,
        capital_inr=5_000,
    )
    assert result.trades_frame()["quantity"].tolist()[0] == 100  # 10,000 ₹ on 5,000 ₹ at 5× leverage


def test_fills_are_only_on_bars_of_the_symbol():
    t = minute_times(count=4)
    a = frame(flat_bars(4), t)
    b = frame(flat_bars(2, 200.0), t[[0, 3]])
    req = OrderRequest("BBB", Side.BUY, 1)
    result, _ = run(panel_of(AAA=a, BBB=b), {0: [req]})
    trades = result.trades_frame()
    assert trades["ts"].tolist() == [t[3]]
    assert np.isfinite(result.equity).all()
