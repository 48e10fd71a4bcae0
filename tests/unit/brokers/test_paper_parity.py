"""The paper broker fills exactly as the backtest's simulated exchange does."""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vyapari.brokers.errors import InvalidOrder
from vyapari.brokers.paper import PaperBrokerAdapter, PaperConfig, paper_config_from_env
from vyapari.brokers.types import Candle, OrderSubmission, Tick
from vyapari.core.money import to_decimal
from vyapari.core.time import IST
from vyapari.costs import FixedBpsSlippage, SimpleFees, TradeLeg, VolumeShareSlippage, ZerodhaFees
from vyapari.execution.matching import match_order as backtest_match
from vyapari.execution.pricing import fill_price_one as backtest_fill_price
from vyapari.model.enums import Exchange, OrderStatus, OrderType, ProductType, Segment, Side

ZERO = Decimal(0)

T0 = datetime(2026, 1, 5, 9, 15, tzinfo=IST)
T1 = datetime(2026, 1, 5, 9, 16, tzinfo=IST)


def _bar(o: float, h: float, low: float, c: float, volume: int = 100_000, at: datetime = T1) -> Candle:
    return Candle(at, to_decimal(o), to_decimal(h), to_decimal(low), to_decimal(c), volume)


prices = st.decimals(min_value=Decimal("50"), max_value=Decimal("150"), places=2)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Candle, OrderSubmission]:
    o, a, b, c = (draw(prices) for _ in range(4))
    high, low = max(o, a, b, c), min(o, a, b, c)
    bar = _bar(float(o), float(high), float(low), float(c), draw(st.integers(0, 10_000)))
    order_type = draw(st.sampled_from(list(OrderType)))
    limit = draw(prices) if order_type in (OrderType.LIMIT, OrderType.SL) else None
    trigger = draw(prices) if order_type in (OrderType.SL, OrderType.SL_M) else None
    side = draw(st.sampled_from(list(Side)))
    request = OrderSubmission(
        "p1", "NSE:INFY", side, draw(st.integers(1, 300)), order_type, ProductType.MIS, limit, trigger
    )
    return bar, request


def _expected(bar: Candle, req: OrderSubmission, config: PaperConfig) -> tuple[float, int] | None:
    sign = req.side.sign
    m = backtest_match(
        req.order_type,
        sign,
        float(req.limit_price or math.nan),
        float(req.trigger_price or math.nan),
        False,
        float(bar.open),
        float(bar.high),
        float(bar.low),
        float(bar.open),
    )
    if math.isnan(m.price):
        return None
    qty = min(req.quantity, config.slippage.max_fill_quantity(bar.volume))
    if qty == 0:
        return None
    price = m.price
    if m.slippage:
        price = backtest_fill_price(config.slippage, sign, price, qty, bar.volume)
    return price, qty


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.sampled_from(["fixed", "volume"]))
def test_paper_fill_price_and_charges_equal_the_backtest(
    case: tuple[Candle, OrderSubmission], slip: str
) -> None:
    bar, request = case
    slippage = FixedBpsSlippage(Decimal("5")) if slip == "fixed" else VolumeShareSlippage(Decimal("0.1"))
    config = PaperConfig(Decimal("100000000"), slippage, ZerodhaFees())
    broker = PaperBrokerAdapter(config)
    broker.submit(request)
    fills = broker.on_bar("NSE:INFY", bar)
    expected = _expected(bar, request, config)
    if expected is None:
        assert fills == []
        return
    price, qty = expected
    assert len(fills) == 1
    assert fills[0].price == to_decimal(price)
    assert fills[0].quantity == qty
    leg = TradeLeg(Exchange.NSE, Segment.INTRADAY, request.side, qty, to_decimal(price), T1.date())
    assert fills[0].charges == ZerodhaFees().charges(leg)


def test_market_order_fills_at_next_bar_open_with_slippage() -> None:
    broker = PaperBrokerAdapter(
        PaperConfig(slippage=FixedBpsSlippage(Decimal("5")), fees=SimpleFees(Decimal(3)))
    )
    broker.on_bar("NSE:INFY", _bar(100, 101, 99, 100.5, at=T0))
    broker.submit(OrderSubmission("m1", "NSE:INFY", Side.BUY, 10))
    fills = broker.on_bar("NSE:INFY", _bar(101, 102, 100, 101.5))
    assert fills[0].price == Decimal("101.05")  # 101 × 1.0005 = 101.0505 → paisa
    assert fills[0].charges.brokerage == Decimal("101.05") * 10 * Decimal("0.0003")
    assert broker.find_order("m1").status is OrderStatus.FILLED  # type: ignore[union-attr]
    assert broker.portfolio.position("NSE:INFY").quantity == 10


def test_volume_cap_gives_partial_fills_in_the_trade_book() -> None:
    capped = VolumeShareSlippage(Decimal("0.1"))
    broker = PaperBrokerAdapter(PaperConfig(slippage=capped, fees=SimpleFees(ZERO)))
    broker.submit(OrderSubmission("v1", "NSE:INFY", Side.BUY, 150))
    broker.on_bar("NSE:INFY", _bar(100, 100, 100, 100, volume=1000))
    assert broker.find_order("v1").status is OrderStatus.PARTIALLY_FILLED  # type: ignore[union-attr]
    broker.on_bar("NSE:INFY", _bar(100, 100, 100, 100, volume=1000, at=T1.replace(minute=17)))
    assert [t.quantity for t in broker.trades()] == [100, 50]
    assert broker.find_order("v1").status is OrderStatus.FILLED  # type: ignore[union-attr]


def test_cnc_sell_without_holdings_is_rejected_and_insufficient_cash_cut_by_lots() -> None:
    broker = PaperBrokerAdapter(PaperConfig(Decimal("1000"), FixedBpsSlippage(ZERO), SimpleFees(ZERO)))
    broker.submit(OrderSubmission("s1", "NSE:INFY", Side.SELL, 1))
    broker.submit(OrderSubmission("b1", "NSE:INFY", Side.BUY, 50))
    broker.on_bar("NSE:INFY", _bar(100, 100, 100, 100))
    assert broker.find_order("s1").status is OrderStatus.REJECTED  # type: ignore[union-attr]
    assert broker.portfolio.position("NSE:INFY").quantity == 10


def test_limit_order_rests_then_cancel() -> None:
    broker = PaperBrokerAdapter()
    broker.submit(OrderSubmission("l1", "NSE:INFY", Side.BUY, 1, OrderType.LIMIT, limit_price=Decimal("90")))
    assert broker.on_bar("NSE:INFY", _bar(100, 101, 95, 100)) == []
    assert broker.cancel("l1").status is OrderStatus.CANCELLED


def test_ticks_fill_market_orders_on_the_next_tick() -> None:
    broker = PaperBrokerAdapter(PaperConfig(slippage=FixedBpsSlippage(ZERO), fees=SimpleFees(ZERO)))
    stream = broker.tick_stream()
    seen: list[Tick] = []
    stream.on_tick(seen.append)
    stream.connect()
    stream.subscribe(["NSE:INFY"])
    broker.submit(OrderSubmission("t1", "NSE:INFY", Side.BUY, 2))
    fills = broker.on_tick(Tick("NSE:INFY", Decimal("1500.5"), T1, 1000, 5))
    assert fills[0].price == Decimal("1500.5")
    assert len(seen) == 1


def test_config_from_env_mapping() -> None:
    config = paper_config_from_env(
        {"PAPER_INITIAL_CAPITAL": "500000", "PAPER_SLIPPAGE_BPS": "2", "PAPER_FEES": "zerodha"}
    )
    assert config.initial_capital == Decimal("500000")
    assert isinstance(config.fees, ZerodhaFees)
    assert paper_config_from_env({}).fees == ZerodhaFees()  # the backtest's default
    assert paper_config_from_env({"PAPER_FEES": "bps"}).fees == SimpleFees(Decimal("3"))
    with pytest.raises(ValueError, match="PAPER_FEES"):
        paper_config_from_env({"PAPER_FEES": "kite"})


def test_paper_validates_like_every_broker() -> None:
    with pytest.raises(InvalidOrder):
        PaperBrokerAdapter().submit(OrderSubmission("x", "NSE:INFY", Side.BUY, 0))
