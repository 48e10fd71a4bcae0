"""The order ids a per-bar strategy is handed are the ids the results name its orders and fills by."""

from __future__ import annotations

from tests.unit.backtest.bt_strategies import Scripted

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.engine import run_backtest
from vyapari.model.enums import ProductType, Side
from vyapari.strategy.context import StrategyContext
from vyapari.strategy.orders import OrderRequest
from vyapari.strategy.synthetic import random_walk_panel


class Recording(Scripted):
    """Scripted, keeping the ids ``submit`` returned."""

    def __init__(self, script: dict[int, list[OrderRequest]], product: ProductType) -> None:
        super().__init__(script, product)
        self.ids: list[str] = []

    def on_bar(self, ctx: StrategyContext) -> None:
        for request in self.script.get(ctx.bar_index, []):
            self.ids.append(ctx.submit(request))


def test_submitted_and_filled_ids_are_the_results_ids() -> None:
    panel = random_walk_panel(3, 2, seed=4)
    a, b, c = panel.symbols
    mis = ProductType.MIS
    script = {
        0: [OrderRequest(a, Side.BUY, 5, product=mis), OrderRequest(c, Side.SELL, 3, product=mis)],
        7: [OrderRequest(b, Side.BUY, 2, product=mis)],
        400: [OrderRequest(a, Side.BUY, 1, product=mis), OrderRequest(b, Side.SELL, 2, product=mis)],
    }
    strategy = Recording(script, mis)
    result = run_backtest(strategy, panel, BacktestConfig(fees="zerodha", path="event"))
    orders = result.orders_frame()
    assert strategy.ids == orders.loc[orders["kind"] == "strategy", "client_order_id"].tolist()
    assert (orders["kind"] == "squareoff").sum() > 0  # square-offs are named the same way
    assert len(set(orders["client_order_id"])) == len(orders)
    filled = [f.client_order_id for f in strategy.fills]
    assert filled == result.trades_frame()["client_order_id"].tolist()
