"""End to end: ``POST /live/kill-switch`` through the REST handler stops a running live engine.

The engine trades on the paper broker with its order state in the store the API writes to: the
SQLite file of the live state folder (local backend) or the DynamoDB order-state table (``aws``
backend, under moto). After the API engages the switch, the engine's next slice cancels the
resting order, squares the position off, and refuses the strategy's next order; after the API
resets it, the switch reads released everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from functions.shared.api_settings import ApiSettings
from functions.shared.api_store import build_services
from functions.shared.dynamo_order_store import DynamoDbOrderStateStore
from tests.integration.live.live_helpers import CAPITAL, paper_broker
from tests.unit.api.api_events import call, load_api_handler

from vyapari.live.bars import SessionTable
from vyapari.live.engine import LiveConfig, LiveEngine
from vyapari.live.ports import InMemoryMetrics, InMemoryPublisher
from vyapari.live.replay import panel_ticks, replay
from vyapari.live.risk import kill_switch_state
from vyapari.live.store import OrderStateStore, SqliteOrderStateStore
from vyapari.market.calendar import get_calendar
from vyapari.model.enums import OrderType, ProductType, Side
from vyapari.model.intents import IntentKind, IntentState
from vyapari.strategy.context import StrategyContext
from vyapari.strategy.orders import OrderRequest
from vyapari.strategy.strategy import Strategy
from vyapari.strategy.synthetic import random_walk_panel

ORDER_STATE_TABLE = "vyapari-order-state"
KILL_BAR = 20  # the API engages the switch after this many slices
LATE_BAR = 30  # the strategy tries to buy again here, after the kill


class HoldAndRest(Strategy):
    """Buys 10 of the first symbol (market) and rests a limit buy of the second at half its price."""

    name = "hold_and_rest"

    def __init__(self) -> None:
        super().__init__(product=ProductType.CNC)
        self.ids: dict[str, str] = {}

    def on_bar(self, ctx: StrategyContext) -> None:
        first, second = ctx.symbols[0], ctx.symbols[1]
        if ctx.bar_index == 2:
            self.ids["held"] = ctx.submit(OrderRequest(first, Side.BUY, 10))
            far = Decimal(int(float(ctx.close[1]) / 2))
            self.ids["resting"] = ctx.submit(OrderRequest(second, Side.BUY, 10, OrderType.LIMIT,
                                                          ProductType.CNC, far))
        if ctx.bar_index == LATE_BAR:
            self.ids["late"] = ctx.submit(OrderRequest(first, Side.BUY, 5))


@pytest.fixture(params=["sqlite", "dynamodb"])
def wired(request: pytest.FixtureRequest, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModuleType, OrderStateStore]]:
    """The REST handler with its services and the engine's store on the same live order state."""
    handler = load_api_handler(tmp_path / "api", tmp_path)
    if request.param == "sqlite":
        live_dir = tmp_path / "live"
        settings = ApiSettings(backend="local", state_dir=str(tmp_path / "api"), lake_uri=str(tmp_path),
                               live_state_dir=str(live_dir))
        monkeypatch.setattr(handler, "SERVICES", build_services(settings))
        store = SqliteOrderStateStore(live_dir / "orders.sqlite")
        yield handler, store
        store.close()
        return
    aws: dict[str, Any] = request.getfixturevalue("aws")
    boto3.client("dynamodb").create_table(
        TableName=ORDER_STATE_TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}])
    monkeypatch.setenv("ORDER_STATE_TABLE", ORDER_STATE_TABLE)
    monkeypatch.setenv("BACKTEST_STATE_MACHINE_ARN",
                       f"arn:aws:states:{aws['region']}:123456789012:stateMachine:backtest")
    monkeypatch.setenv("LAKE_URI", "s3://lake")
    monkeypatch.setattr(handler, "SERVICES", build_services(ApiSettings.from_env()))
    yield handler, DynamoDbOrderStateStore(ORDER_STATE_TABLE)


def _engine(store: OrderStateStore, symbols: list[str]) -> LiveEngine:
    config = LiveConfig(run_id="kill-e2e", capital_inr=CAPITAL, fees="zerodha")
    return LiveEngine(HoldAndRest(), paper_broker(), symbols, config, store,
                      SessionTable(get_calendar("NSE").session_bounds),
                      publisher=InMemoryPublisher(), metrics=InMemoryMetrics())


def test_api_kill_switch_cancels_squares_off_and_blocks_a_running_engine(
    wired: tuple[ModuleType, OrderStateStore]
) -> None:
    handler, store = wired
    panel = random_walk_panel(symbols=2, sessions=1, bars_per_session=40, seed=3)
    engine = _engine(store, list(panel.symbols))
    before = panel.with_arrays(valid=panel.valid.copy())
    before.valid[KILL_BAR:] = False
    replay(engine, before)
    assert isinstance(engine.strategy, HoldAndRest)
    ids = engine.strategy.ids
    assert engine.account.pos.tolist() == [10, 0], "the test needs a held position at the kill"
    assert engine.orders.intents[ids["resting"]].state is IntentState.SUBMITTED, "and a resting order"

    status, state = call(handler, "POST", "/live/kill-switch",
                         body={"engaged": True, "reason": "runaway strategy"}, groups="trader")
    assert status == 200 and state["engaged"] and state["changed"]
    assert kill_switch_state(store) == {"reason": state["reason"], "engaged_at": state["engaged_at"]}

    cut = int(panel.ts[KILL_BAR])
    for n, ts, price, qty in (tick for tick in panel_ticks(panel) if tick[1] >= cut):
        engine.on_price(n, ts, price, qty)
    engine.on_clock(int(panel.session_close_ns[-1]))

    intents = engine.orders.intents
    assert engine.killed and engine.account.pos.tolist() == [0, 0]
    assert intents[ids["resting"]].state is IntentState.CANCELLED
    squareoffs = [i for i in intents.values() if i.kind is IntentKind.SQUAREOFF]
    assert [(i.instrument_id, i.side, i.quantity, i.state) for i in squareoffs] == [
        (f"NSE:{panel.symbols[0]}", Side.SELL, 10, IntentState.FILLED)]
    late = intents[ids["late"]]
    assert late.state is IntentState.BLOCKED and "kill_switch" in (late.reason or "")
    assert all(p.quantity == 0 for p in engine.broker.positions())
    resting = store.get(ids["resting"])
    assert resting is not None and resting.state is IntentState.CANCELLED  # durable, not only in memory

    assert call(handler, "GET", "/live/kill-switch")[1]["engaged"] is True
    status, released = call(handler, "POST", "/live/kill-switch", body={"engaged": False}, groups="admin")
    assert status == 200 and not released["engaged"] and kill_switch_state(store) is None
