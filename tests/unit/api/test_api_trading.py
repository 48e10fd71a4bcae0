"""REST API trading routes: orders, positions, trades (viewer) and order intents (trader)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from functions.shared.api_store import ApiServices

Client = Callable[..., tuple[int, Any]]
ORDER = {"client_order_id": "ord-000001", "mode": "paper", "instrument_id": "NSE:RELIANCE", "side": "BUY",
         "quantity": 10, "order_type": "LIMIT", "product": "MIS", "price": "1380.50"}


@pytest.mark.parametrize(("path", "store", "key"), [
    ("/orders", "orders", "client_order_id"), ("/positions", "positions", "instrument_id"),
    ("/trades", "trades", "trade_id")])
def test_live_service_records_are_listed_per_mode_in_pages(client: Client, services: ApiServices, path: str,
                                                            store: str, key: str) -> None:
    records = getattr(services, store)
    for i in range(3):
        records.put("paper", f"k{i}", {key: f"k{i}", "quantity": i})
    records.put("live", "z", {key: "z", "quantity": 1})
    status, first = client("GET", path, query={"limit": "2"})
    assert status == 200 and [r[key] for r in first["items"]] == ["k0", "k1"] and first["next_token"]
    _, rest = client("GET", path, query={"limit": "2", "next_token": first["next_token"]})
    assert [r[key] for r in rest["items"]] == ["k2"] and rest["next_token"] is None
    _, live = client("GET", path, query={"mode": "live"})
    assert [r[key] for r in live["items"]] == ["z"]
    assert client("GET", path, query={"mode": "demo"})[0] == 422
    assert client("GET", path, groups=None)[0] == 403


def test_traders_record_order_intents_idempotently(client: Client, services: ApiServices) -> None:
    status, intent = client("POST", "/orders", body=ORDER, groups="trader")
    assert status == 202 and intent["status"] == "PENDING" and intent["price"] == "1380.50"
    assert client("POST", "/orders", body=ORDER, groups="trader") == (202, intent)
    assert client("POST", "/orders", body={**ORDER, "quantity": 11}, groups="trader")[0] == 409
    assert services.orders.get("intent#paper", "ord-000001") is not None


def test_viewers_cannot_place_orders_but_admins_can(client: Client) -> None:
    assert client("POST", "/orders", body=ORDER, groups="viewer")[0] == 403
    assert client("POST", "/orders", body={**ORDER, "mode": "live"}, groups="admin")[0] == 202


@pytest.mark.parametrize(("change", "field"), [
    ({"price": None}, "price"),
    ({"order_type": "MARKET"}, "price"),
    ({"order_type": "SL"}, "trigger_price"),
    ({"quantity": 0}, "body.quantity"),
    ({"instrument_id": "RELIANCE"}, "body.instrument_id"),
    ({"side": "HOLD"}, "body.side"),
    ({"price": "1380.555"}, "body.price"),
])
def test_invalid_order_intents_are_422_naming_the_field(client: Client, change: dict[str, Any],
                                                         field: str) -> None:
    status, body = client("POST", "/orders", body={**ORDER, **change}, groups="trader")
    assert status == 422 and field in [f["field"] for f in body["fields"]]
