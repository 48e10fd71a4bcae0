"""The paper exchange settles a split and a dividend as the backtest does (hand-checked).

10 shares bought at ₹1,000 (Zerodha delivery charges ₹11.87406), a 5:1 split: 50 shares at an
average of ₹200, the mark ₹200, no change in equity; a ₹4 dividend then credits ₹200.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from vyapari.brokers.paper import PaperBrokerAdapter, PaperConfig
from vyapari.brokers.types import Candle, OrderSubmission
from vyapari.core.time import IST
from vyapari.costs import NoSlippage, ZerodhaFees
from vyapari.model.enums import OrderStatus, OrderType, ProductType, Side

T0 = datetime(2025, 9, 4, 9, 15, tzinfo=IST)
T1 = datetime(2025, 9, 4, 9, 16, tzinfo=IST)


def _bar(at: datetime, price: str) -> Candle:
    p = Decimal(price)
    return Candle(at, p, p, p, p, 1_000_000)


def test_a_split_and_a_dividend_change_no_value_but_credit_the_dividend() -> None:
    broker = PaperBrokerAdapter(PaperConfig(Decimal(1_000_000), NoSlippage(), ZerodhaFees()))
    broker.on_bar("NSE:X", _bar(T0, "1000"))
    broker.submit(OrderSubmission("b1", "NSE:X", Side.BUY, 10, product=ProductType.CNC))
    broker.on_bar("NSE:X", _bar(T1, "1000"))
    broker.submit(
        OrderSubmission("l1", "NSE:X", Side.SELL, 10, OrderType.LIMIT, ProductType.CNC, Decimal("1500"))
    )
    exchange = broker.exchange
    before = exchange.portfolio.equity({"NSE:X": Decimal(1000)})
    assert before == Decimal(1_000_000) - Decimal("11.87406")
    exchange.settle_corporate_action("NSE:X", Decimal(5))
    position = exchange.portfolio.position("NSE:X")
    assert (position.quantity, position.average_price) == (50, Decimal(200))
    assert exchange.mark("NSE:X") == Decimal(200)
    assert exchange.portfolio.equity({"NSE:X": Decimal(200)}) == before
    assert broker.find_order("l1").status is OrderStatus.CANCELLED  # type: ignore[union-attr]
    exchange.settle_corporate_action("NSE:X", dividend_per_share=Decimal(4))
    assert exchange.portfolio.cash == before - 50 * 200 + 200
