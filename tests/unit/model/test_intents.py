"""The one mapping between intent states and order statuses (``vyapari.model.intents``)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.integration.live.live_helpers import CAPITAL, make_engine
from tests.unit.backtest.bt_strategies import Scripted

from vyapari.backtest.config import BacktestConfig, EnginePath
from vyapari.backtest.engine import run_backtest
from vyapari.live.replay import replay
from vyapari.model.enums import OrderStatus, OrderType, Side
from vyapari.model.intents import IntentState, intent_state, order_status
from vyapari.strategy.context import StrategyContext
from vyapari.strategy.orders import OrderRequest
from vyapari.strategy.synthetic import random_walk_panel


@pytest.mark.parametrize("status", list(OrderStatus))
def test_every_broker_status_is_an_accepted_intent_state_open_while_the_order_is(status: OrderStatus) -> None:
    state = intent_state(status)
    assert state is not IntentState.PENDING  # the broker's book shows it: accepted
    assert state.is_open is (not status.is_terminal)


@pytest.mark.parametrize("state", list(IntentState))
def test_every_intent_state_shows_as_a_status_open_exactly_while_the_intent_is(state: IntentState) -> None:
    assert order_status(state).is_terminal is (not state.is_open)


@pytest.mark.parametrize(
    "state",
    [IntentState.SUBMITTED, IntentState.PARTIALLY_FILLED, IntentState.FILLED, IntentState.CANCELLED,
     IntentState.REJECTED],
)
def test_a_state_the_broker_reports_survives_the_round_trip(state: IntentState) -> None:
    assert intent_state(order_status(state)) is state


def test_a_resting_order_shows_open_as_in_the_backtest_and_a_written_one_new() -> None:
    assert order_status(IntentState.SUBMITTED) is OrderStatus.OPEN
    assert order_status(IntentState.PENDING) is OrderStatus.NEW


class Watching(Scripted):
    """A scripted strategy noting the status of each open order it sees on every bar."""

    def __init__(self, script: dict[int, list[OrderRequest]]) -> None:
        super().__init__(script)
        self.seen: list[tuple[int, str, OrderStatus, int]] = []

    def on_bar(self, ctx: StrategyContext) -> None:
        shown = ctx.open_orders()
        self.seen += [(ctx.bar_index, o.instrument_id, o.status, o.filled_quantity) for o in shown]
        super().on_bar(ctx)


def test_the_live_strategy_sees_a_resting_order_with_the_status_the_backtest_shows() -> None:
    panel = random_walk_panel(symbols=2, sessions=1, bars_per_session=40, seed=3)
    far_below = OrderRequest(panel.symbols[0], Side.BUY, 5, OrderType.LIMIT, limit_price=Decimal("1.00"))
    script = {5: [far_below]}
    backtest = Watching(script)
    run_backtest(backtest, panel, BacktestConfig(capital_inr=CAPITAL, path=EnginePath.EVENT))
    live = Watching(script)
    replay(make_engine("", {}, panel, strategy=live), panel)
    assert live.seen == backtest.seen
    assert {status for _, _, status, _ in live.seen} == {OrderStatus.OPEN}
    assert len(live.seen) == 40 - 6  # seen on every bar after the one it was decided on
