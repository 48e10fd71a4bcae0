"""Shorts in the Indian cash segment, alike on both engine paths and on paper.

A delivery (CNC) or carry-forward (NRML) sell may not go short: a sell beyond the shares held is
cut to them, and with none held it is rejected, saying why. Only an intraday (MIS) sell goes
short, and the engines square it off at 15:20 IST. The pairs strategy (long one leg, short the
other) trades MIS for that reason.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from tests.unit.backtest.bt_strategies import target_strategy

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.engine import run_backtest
from vyapari.backtest.results import BacktestResult
from vyapari.brokers.paper import PaperBrokerAdapter, PaperConfig
from vyapari.brokers.types import Candle, OrderSubmission
from vyapari.core.time import IST
from vyapari.costs import NoSlippage, fee_model_from_spec
from vyapari.market.calendar import get_calendar
from vyapari.model.enums import Exchange, OrderStatus, ProductType, Side
from vyapari.strategies.pairs import Pairs
from vyapari.strategy.panel import BarPanel, build_panel

DAY = date(2025, 9, 4)
REASON = "short selling is not allowed in delivery ({}) in the cash segment"


def _day() -> BarPanel:
    cal = get_calendar(Exchange.NSE)
    times = cal.minute_grid(DAY)
    p = np.full(len(times), 100.0)
    frame = pd.DataFrame({"ts": times, "open": p, "high": p, "low": p, "close": p, "volume": 1e6})
    return build_panel({"AAA": frame}, cal.session_bounds)


def _short(weights: np.ndarray, product: ProductType, path: str) -> tuple[BarPanel, BacktestResult]:
    panel = _day()
    strategy = target_strategy(lambda p: weights[: p.shape[0], None], qty=10, product=product)
    return panel, run_backtest(strategy, panel, BacktestConfig(path=path, fees="none"))


@pytest.mark.parametrize("path", ["vector", "event"])
@pytest.mark.parametrize("product", [ProductType.CNC, ProductType.NRML])
def test_a_delivery_short_is_rejected_with_a_reason(product: ProductType, path: str) -> None:
    weights = np.zeros(375)
    weights[10:] = -1.0  # short 10 from the 11th minute
    _, result = _short(weights, product, path)
    assert result.path == path
    assert result.summary["fills"] == 0
    orders = result.orders_frame()
    refused, last = orders.iloc[:-1], orders.iloc[-1]  # the last one has no later bar to fill at
    assert len(refused) > 300 and set(refused["status"]) == {"REJECTED"}
    assert all(r.startswith(REASON.format(product.value)) for r in refused["reason"])
    assert last["reason"].startswith("no later bar")


@pytest.mark.parametrize("path", ["vector", "event"])
@pytest.mark.parametrize("product", [ProductType.CNC, ProductType.NRML])
def test_a_delivery_sell_beyond_the_shares_held_is_cut_to_them(product: ProductType, path: str) -> None:
    weights = np.zeros(375)
    weights[5:] = 1.0  # long 10
    weights[20:] = -1.0  # then a target of -10: sells the 10 held, never goes short
    _, result = _short(weights, product, path)
    assert result.fills.qty.tolist() == [10, -10]
    assert result.positions.min() == 0
    orders = result.orders_frame()
    assert (orders["status"] == "REJECTED").sum() >= 1  # the later orders for the short leg
    refused = orders.loc[orders["status"] == "REJECTED", "reason"]
    assert refused.str.startswith(REASON.format(product.value)).all()


@pytest.mark.parametrize("path", ["vector", "event"])
def test_an_intraday_short_fills_and_is_squared_off_at_1520(path: str) -> None:
    weights = np.full(375, -1.0)
    panel, result = _short(weights, ProductType.MIS, path)
    assert result.fills.qty.tolist() == [-10, 10]
    squared = int(result.fills.t[1])
    assert panel.timestamps()[squared].tz_convert(IST).strftime("%H:%M") == "15:20"
    assert (result.positions[squared:] == 0).all()


def test_the_pairs_strategy_trades_intraday() -> None:
    assert Pairs().product is ProductType.MIS


def _paper() -> PaperBrokerAdapter:
    broker = PaperBrokerAdapter(PaperConfig(Decimal(1_000_000), NoSlippage(), fee_model_from_spec("none")))
    broker.on_bar("NSE:AAA", _candle(15))
    return broker


def _candle(minute: int) -> Candle:
    p = Decimal(100)
    return Candle(datetime(2025, 9, 4, 9, minute, tzinfo=IST), p, p, p, p, 1_000_000)


@pytest.mark.parametrize("product", [ProductType.CNC, ProductType.NRML])
def test_paper_rejects_a_delivery_short_with_the_same_reason(product: ProductType) -> None:
    broker = _paper()
    broker.submit(OrderSubmission("s1", "NSE:AAA", Side.SELL, 10, product=product))
    broker.on_bar("NSE:AAA", _candle(16))
    order = broker.find_order("s1")
    assert order is not None and order.status is OrderStatus.REJECTED
    assert (order.status_message or "").startswith(REASON.format(product.value))
    assert broker.portfolio.position("NSE:AAA").quantity == 0


def test_paper_fills_an_intraday_short() -> None:
    broker = _paper()
    broker.submit(OrderSubmission("s1", "NSE:AAA", Side.SELL, 10, product=ProductType.MIS))
    broker.on_bar("NSE:AAA", _candle(16))
    assert broker.portfolio.position("NSE:AAA").quantity == -10
