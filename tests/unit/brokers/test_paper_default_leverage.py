"""The paper broker's buying power by default is the backtest's, per product (MIS 5×, CNC 1×)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from vyapari.backtest.config import BacktestConfig
from vyapari.brokers.paper import PaperBrokerAdapter, PaperConfig
from vyapari.brokers.paper.config import paper_config_from_env
from vyapari.brokers.types import Candle, OrderSubmission
from vyapari.core.errors import InvalidInput
from vyapari.core.time import IST
from vyapari.costs.slippage import NoSlippage
from vyapari.costs.spec import fee_model_from_spec
from vyapari.model.enums import ProductType, Side

AT = datetime(2026, 1, 5, 10, 0, tzinfo=IST)


def _filled(config: PaperConfig, product: ProductType, quantity: int) -> int:
    """Units filled of a market buy of ``quantity`` at ₹100 with ₹1,00,000 of capital."""
    broker = PaperBrokerAdapter(config)
    broker.submit(OrderSubmission("c1", "NSE:ABC", Side.BUY, quantity, product=product))
    price = Decimal("100")
    broker.on_bar("NSE:ABC", Candle(AT, price, price, price, price, 10**9))
    return sum(t.quantity for t in broker.trades())


def _config(leverage: Decimal | None = None) -> PaperConfig:
    return PaperConfig(Decimal("100000"), NoSlippage(), fee_model_from_spec("none"), leverage)


@pytest.mark.parametrize(("product", "fits"), [(ProductType.MIS, 5000), (ProductType.CNC, 1000)])
def test_default_buying_power_is_the_backtests_per_product(product: ProductType, fits: int) -> None:
    assert float(_config().leverage_for(product)) == BacktestConfig().leverage_for(product)
    assert _filled(_config(), product, fits) == fits
    assert _filled(_config(), product, fits + 1000) == fits  # cut to what buying power allows


def test_paper_leverage_sets_every_product() -> None:
    config = paper_config_from_env({"PAPER_LEVERAGE": "2"})
    assert config.leverage_for(ProductType.MIS) == config.leverage_for(ProductType.CNC) == Decimal(2)
    assert _filled(_config(Decimal(2)), ProductType.MIS, 5000) == 2000
    assert paper_config_from_env({}).leverage is None
    with pytest.raises(InvalidInput, match="PAPER_LEVERAGE"):
        paper_config_from_env({"PAPER_LEVERAGE": "0"})
