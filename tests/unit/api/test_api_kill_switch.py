"""REST API kill switch: ``GET /live/kill-switch`` (viewer), ``POST /live/kill-switch`` (engage: trader;
release: admin), written to
the live service's own order-state store (the SQLite file ``vyapari live`` reads, locally)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from functions.shared.api_store import ApiServices
from openapi_spec_validator import validate

from vyapari.api.kill_switch import KillSwitch
from vyapari.core.time import IST
from vyapari.live.risk import engage_kill_switch, kill_switch_state
from vyapari.live.store import InMemoryOrderStateStore, SqliteOrderStateStore

Client = Callable[..., tuple[int, Any]]
PATH = "/live/kill-switch"


def _live_store(tmp_path: Path) -> SqliteOrderStateStore:
    """Another handle on the file the API writes (as ``vyapari live status`` or the service opens it)."""
    return SqliteOrderStateStore(tmp_path / "state" / "live" / "orders.sqlite")


def test_a_trader_engages_the_switch_in_the_live_store_and_a_viewer_reads_it(
    client: Client, tmp_path: Path
) -> None:
    assert client("GET", PATH) == (200, {"engaged": False, "reason": None, "engaged_at": None,
                                         "changed": False})
    status, engaged = client("POST", PATH, body={"engaged": True, "reason": "feed looks wrong"},
                             groups="trader")
    assert status == 200 and engaged["engaged"] and engaged["changed"]
    assert engaged["reason"] == "feed looks wrong (by asha via API)"
    assert engaged["engaged_at"].endswith("+05:30")  # IST
    stored = kill_switch_state(_live_store(tmp_path))
    assert stored == {"reason": engaged["reason"], "engaged_at": engaged["engaged_at"]}
    assert client("GET", PATH) == (200, {**engaged, "changed": False})


def test_engaging_twice_keeps_the_first_engagement_and_reset_releases_it(
    client: Client, tmp_path: Path
) -> None:
    _, first = client("POST", PATH, body={"engaged": True, "reason": "first"}, groups="trader")
    status, again = client("POST", PATH, body={"engaged": True, "reason": "second"}, groups="admin")
    assert status == 200 and again == {**first, "changed": False}
    status, released = client("POST", PATH, body={"engaged": False, "reason": "checked"}, groups="admin")
    assert status == 200 and released == {"engaged": False, "reason": None, "engaged_at": None,
                                          "changed": True}
    assert kill_switch_state(_live_store(tmp_path)) is None
    assert client("POST", PATH, body={"engaged": False}, groups="admin")[1]["changed"] is False


@pytest.mark.parametrize("groups", ["trader", "viewer", None])
def test_only_an_admin_releases_the_switch(client: Client, tmp_path: Path, groups: str | None) -> None:
    _, engaged = client("POST", PATH, body={"engaged": True, "reason": "drawdown"}, groups="trader")
    status, error = client("POST", PATH, body={"engaged": False, "reason": "resume"}, groups=groups)
    assert status == 403 and error["error"] == "forbidden", error
    stored = kill_switch_state(_live_store(tmp_path))
    assert stored is not None and stored["reason"] == engaged["reason"]
    status, error = client("POST", PATH, body={"engaged": False, "reason": "x"}, groups="admin,trader")
    assert status == 200 and error["changed"] is True


def test_a_switch_engaged_by_the_cli_is_seen_through_the_api(client: Client, tmp_path: Path) -> None:
    engage_kill_switch(_live_store(tmp_path), "operator")  # vyapari live kill
    status, state = client("GET", PATH)
    assert status == 200 and state["engaged"] and state["reason"] == "operator"


@pytest.mark.parametrize(("method", "groups"), [("GET", None), ("GET", "nobody"), ("POST", None),
                                                ("POST", "viewer")])
def test_callers_below_the_role_are_refused(client: Client, tmp_path: Path, method: str,
                                            groups: str | None) -> None:
    body = {"engaged": True, "reason": "x"} if method == "POST" else None
    status, error = client(method, PATH, body=body, groups=groups)
    assert status == 403 and error["error"] == "forbidden"
    assert kill_switch_state(_live_store(tmp_path)) is None


@pytest.mark.parametrize(("body", "field"), [
    ({}, "body.engaged"),
    ({"engaged": "yes"}, "body.engaged"),
    ({"engaged": 1}, "body.engaged"),
    ({"engaged": True, "reason": ""}, "body.reason"),
    ({"engaged": True, "reason": "line\nbreak"}, "body.reason"),
    ({"engaged": True, "reason": "x" * 201}, "body.reason"),
    ({"engaged": True, "why": "x"}, "body.why"),
])
def test_invalid_requests_are_422_naming_the_field(client: Client, tmp_path: Path, body: dict[str, Any],
                                                   field: str) -> None:
    status, error = client("POST", PATH, body=body, groups="trader")
    assert status == 422 and field in [f["field"] for f in error["fields"]], error
    assert kill_switch_state(_live_store(tmp_path)) is None


def test_without_an_order_state_store_the_switch_is_503_not_500(client: Client, services: ApiServices,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "kill_switch", None)
    status, error = client("GET", PATH)
    assert status == 503 and "ORDER_STATE_TABLE" in error["message"]


def test_the_openapi_document_describes_both_operations(client: Client) -> None:
    _, document = client("GET", "/openapi.json", groups=None)
    validate(document)
    operations = document["paths"][PATH]
    assert set(operations) == {"get", "post"}
    body = operations["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert schema["required"] == ["engaged"] and schema["properties"]["engaged"]["type"] == "boolean"


def test_the_service_keeps_the_first_engagement_time_and_stamps_ist() -> None:
    store = InMemoryOrderStateStore()
    times = iter([datetime(2026, 1, 5, 10, 15, tzinfo=IST), datetime(2026, 1, 5, 10, 16, tzinfo=IST)])
    switch = KillSwitch(store, clock=lambda: next(times))
    first = switch.set(True, "drawdown", "ravi")
    assert first.changed and first.state.engaged_at == "2026-01-05T10:15:00+05:30"
    second = switch.set(True, "again", "ravi")
    assert not second.changed and second.state == first.state
    assert switch.set(False, "", "ravi").changed and not switch.state().engaged
