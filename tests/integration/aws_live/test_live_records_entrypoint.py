"""``python -m functions.live_service`` records orders, trades and positions for the REST API (moto).

A paper day replayed through the entrypoint writes the API's DynamoDB tables; the REST handler (its
``aws`` wiring over the same tables) then lists them with ``GET /orders``, ``/positions`` and
``/trades``, while the WebSocket subscribers still get every order update.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from functions.live_service.__main__ import main, parse, record_mode
from functions.live_service.ports import LiveServiceSettings
from functions.shared.api_settings import ApiSettings
from functions.shared.api_store import DynamoRecordStore, build_services
from functions.shared.dynamo_order_store import DynamoDbOrderStateStore
from functions.shared.queued_publisher import QueuedPublisher
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from moto.core import DEFAULT_ACCOUNT_ID
from tests.integration.aws_live.conftest import REGION, create_keyed_table
from tests.unit.api.api_events import call, load_api_handler

from vyapari.api.ports import Identity
from vyapari.api.streams import ConnectionRegistry, Subscription
from vyapari.live.ports import InMemoryMetrics, InMemoryPublisher
from vyapari.model.intents import IntentState

ENDPOINT = "https://wsapi1234.execute-api.ap-south-1.amazonaws.com/dev"
TABLES = {"ORDERS_TABLE": "vyapari-test-orders", "POSITIONS_TABLE": "vyapari-test-positions",
          "TRADES_TABLE": "vyapari-test-trades", "REGISTRY_TABLE": "vyapari-test-registry",
          "CONNECTIONS_TABLE": "vyapari-test-connections"}
STRATEGY = ["--strategy", "sma_cross_bar", "--params", '{"fast": 5, "slow": 20, "qty": 10}']


@pytest.fixture(autouse=True)
def _keep_signal_handlers() -> Iterator[None]:
    """The live command installs SIGTERM/SIGINT handlers; give pytest its own back."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


@pytest.fixture
def env(order_table: str, task_env: Callable[[dict[str, str]], dict[str, str]]) -> dict[str, str]:
    """The task's environment with the API's record tables, over moto."""
    for name in TABLES.values():
        create_keyed_table(name)
    values = {**TABLES, "ORDER_STATE_TABLE": order_table, "VYAPARI_SECRETS_PREFIX": "vyapari/test",
              "WS_ENDPOINT_URL": ENDPOINT, "PAPER_FEES": "zerodha", "PAPER_SLIPPAGE_BPS": "5"}
    return task_env(values)


def _api(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The REST handler wired for ``aws`` over the same tables."""
    monkeypatch.setenv("VYAPARI_API_BACKEND", "aws")
    monkeypatch.setenv("BACKTEST_STATE_MACHINE_ARN", f"arn:aws:states:{REGION}:123456789012:stateMachine:bt")
    monkeypatch.setenv("LAKE_URI", "s3://unused")
    handler = load_api_handler(tmp_path / "api", tmp_path)
    monkeypatch.setattr(handler, "SERVICES", build_services(ApiSettings.from_env()))
    return handler


def _listed(handler: Any, path: str, key: str) -> dict[str, dict[str, Any]]:
    """Every record of ``GET path?mode=paper``, page by page, by ``key``."""
    out: dict[str, dict[str, Any]] = {}
    token = None
    while True:
        query = {"mode": "paper", "limit": "7", **({"next_token": token} if token else {})}
        status, body = call(handler, "GET", path, query=query)
        assert status == 200, body
        out.update({item[key]: item for item in body["items"]})
        token = body["next_token"]
        if token is None:
            return out


def _posted(connection_id: str) -> list[dict[str, Any]]:
    """The messages moto's management API received for a connection (it concatenates them)."""
    data = apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID][REGION].connections[connection_id].data
    text, decoder, out, at = data.decode() if isinstance(data, bytes) else data, json.JSONDecoder(), [], 0
    while at < len(text):
        message, at = decoder.raw_decode(text, at)
        out.append(message)
    return out


def test_a_replayed_paper_day_fills_the_api_orders_positions_and_trades(
    env: dict[str, str], day: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connections = ConnectionRegistry(DynamoRecordStore(env["CONNECTIONS_TABLE"]))
    connections.connect("c1", Identity("u1", ("viewer",)), "2026-01-05T09:00:00+05:30")
    connections.apply("c1", Subscription("subscribe", "orders"))
    code = main(["live", "--broker", "paper", *STRATEGY, "--replay", str(day),
                 "--state-dir", str(tmp_path / "state")])
    out, err = capsys.readouterr()
    assert code == 0, err[-2000:]
    summary = json.loads(out[out.index('{\n'):])
    intents = DynamoDbOrderStateStore(env["ORDER_STATE_TABLE"]).intents("sma_cross_bar")
    assert len(intents) > 4 and all(i.state is IntentState.FILLED for i in intents)

    api = _api(env, tmp_path, monkeypatch)
    orders = _listed(api, "/orders", "client_order_id")
    assert set(orders) == {i.client_order_id for i in intents}
    assert all(o["state"] == "FILLED" and o["mode"] == "paper" for o in orders.values())
    assert {o["filled_quantity"] for o in orders.values()} == {10}
    positions = _listed(api, "/positions", "instrument_id")
    held = {iid: p["quantity"] for iid, p in positions.items() if p["quantity"]}
    assert held == summary["positions"]
    assert set(positions) == {i.instrument_id for i in intents}
    trades = _listed(api, "/trades", "trade_id")
    assert len(trades) == len(intents) == summary["fills"]
    for iid, position in positions.items():
        signed = sum(t["quantity"] * (1 if t["side"] == "BUY" else -1) for t in trades.values()
                     if t["instrument_id"] == iid)
        assert signed == position["quantity"]
    assert call(api, "GET", "/orders", query={"mode": "live"})[1]["items"] == []
    posted = {m["client_order_id"] for m in _posted("c1") if m.get("client_order_id")}
    assert posted == set(orders)  # the WebSocket fan-out still gets every order


def test_all_three_record_tables_or_none(env: dict[str, str]) -> None:
    assert LiveServiceSettings.from_env(env).record_tables == (
        TABLES["ORDERS_TABLE"], TABLES["POSITIONS_TABLE"], TABLES["TRADES_TABLE"])
    without = {k: v for k, v in env.items() if k not in ("ORDERS_TABLE", "POSITIONS_TABLE", "TRADES_TABLE")}
    assert LiveServiceSettings.from_env(without).record_tables is None
    with pytest.raises(ValueError, match="TRADES_TABLE"):
        LiveServiceSettings.from_env({k: v for k, v in env.items() if k != "TRADES_TABLE"})


def test_records_go_to_the_paper_partition_only_for_the_paper_broker() -> None:
    argv = ["live", "--strategy", "x", "--symbols", "INFY"]
    assert record_mode(parse([*argv, "--broker", "paper"], {"BROKER": "zerodha"})) == "paper"
    assert record_mode(parse(argv, {"BROKER": "zerodha"})) == "live"
    assert record_mode(parse(argv, {})) == "paper"


class Slow:
    """A publisher that blocks on ``gate`` (a DynamoDB write taking its time), then keeps messages."""

    def __init__(self) -> None:
        self.started, self.gate = threading.Event(), threading.Event()
        self.inner = InMemoryPublisher()

    def publish(self, channel: str, message: Any) -> None:
        self.started.set()
        self.gate.wait(10)
        if message.get("boom"):
            raise RuntimeError("write failed")
        self.inner.publish(channel, message)


def test_the_queue_keeps_order_drops_when_full_and_never_raises() -> None:
    slow, metrics = Slow(), InMemoryMetrics()
    queued = QueuedPublisher(slow, metrics=metrics, queue_size=3)
    queued.publish("orders", {"n": 0})
    assert slow.started.wait(10)  # the thread holds message 0: the queue is empty again
    for message in ({"n": 1}, {"boom": True}, {"n": 2}, {"n": 3}, {"n": 4}):  # 3 queued, 2 dropped
        queued.publish("orders", message)
    slow.gate.set()
    queued.close()
    assert [m["n"] for m in slow.inner.messages["orders"]] == [0, 1, 2]
    assert (queued.dropped, queued.errors) == (2, 1)
    assert metrics.counters["live_records_dropped_total{channel=orders}"] == 2
    assert metrics.counters["live_records_errors_total{channel=orders}"] == 1
