"""The live service's WebSocket publisher (moto): fan-out like ws_publish, never blocks or raises."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from functions.shared.api_store import DynamoRecordStore
from functions.shared.ws_publisher import WebSocketPublisher
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from moto.core import DEFAULT_ACCOUNT_ID
from tests.integration.aws_live.conftest import REGION, create_keyed_table

from vyapari.api.ports import Identity
from vyapari.api.streams import ConnectionRegistry, Subscription
from vyapari.live.ports import InMemoryMetrics

ENDPOINT = "https://wsapi1234.execute-api.ap-south-1.amazonaws.com/dev"
TABLE = "vyapari-test-connections"


@pytest.fixture
def registry(aws: dict[str, Any]) -> ConnectionRegistry:
    """Two connections: c1 on quotes of RELIANCE only, c2 on pnl and orders."""
    create_keyed_table(TABLE)
    connections = ConnectionRegistry(DynamoRecordStore(TABLE))
    for cid in ("c1", "c2"):
        connections.connect(cid, Identity("u1", ("viewer",)), "2026-01-05T09:00:00+05:30")
    connections.apply("c1", Subscription("subscribe", "quotes", ("RELIANCE",)))
    connections.apply("c2", Subscription("subscribe", "pnl"))
    connections.apply("c2", Subscription("subscribe", "orders"))
    return connections


def _received() -> dict[str, Any]:
    backend = apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID][REGION]
    return {cid: json.loads(c.data) for cid, c in backend.connections.items()}


def test_messages_reach_the_subscribers_of_their_channel(registry: ConnectionRegistry) -> None:
    publisher = WebSocketPublisher.from_settings(ENDPOINT, TABLE)
    publisher.publish("pnl", {"at": "2026-01-05T09:16:00+05:30", "equity_inr": 1_000_123.5})
    publisher.flush()
    assert _received() == {"c2": {"channel": "pnl", "at": "2026-01-05T09:16:00+05:30",
                                  "equity_inr": 1_000_123.5}}
    publisher.publish("quotes", {"symbol": "INFY", "ltp": 1500.0})  # c1 wants RELIANCE only
    publisher.publish("quotes", {"symbol": "RELIANCE", "ltp": 1380.5})
    publisher.close()
    assert _received()["c1"] == {"channel": "quotes", "symbol": "RELIANCE", "ltp": 1380.5}
    assert publisher.sent == 2 and publisher.errors == 0


def test_unknown_channels_are_refused_at_once(registry: ConnectionRegistry) -> None:
    publisher = WebSocketPublisher.from_settings(ENDPOINT, TABLE)
    with pytest.raises(ValueError, match="unknown channel"):
        publisher.publish("news", {})
    publisher.close()


class BrokenPoster:
    """A management API that fails every post (throttled, network down)."""

    def post(self, connection_id: str, data: bytes) -> None:
        raise ConnectionError("network down")


def test_send_failures_are_counted_never_raised(registry: ConnectionRegistry) -> None:
    metrics = InMemoryMetrics()
    publisher = WebSocketPublisher(registry, BrokenPoster(), metrics=metrics)
    publisher.publish("orders", {"client_order_id": "c1", "state": "SUBMITTED"})
    publisher.close()
    assert publisher.errors == 1 and publisher.sent == 0
    assert metrics.counters["ws_publish_errors_total{channel=orders}"] == 1


class BlockedPoster:
    """A post that waits until released (a slow management API)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.posts = 0

    def post(self, connection_id: str, data: bytes) -> None:
        self.release.wait(10)
        self.posts += 1


def test_a_full_queue_drops_new_messages_instead_of_blocking(registry: ConnectionRegistry) -> None:
    metrics, poster = InMemoryMetrics(), BlockedPoster()
    publisher = WebSocketPublisher(registry, poster, metrics=metrics, queue_size=2)
    for n in range(6):  # one is being sent, two wait, the rest are dropped
        publisher.publish("pnl", {"n": n})
    poster.release.set()
    publisher.close()
    assert publisher.dropped >= 3 and poster.posts == 6 - publisher.dropped
    assert metrics.counters["ws_messages_dropped_total{channel=pnl}"] == publisher.dropped
