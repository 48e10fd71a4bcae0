"""REST API strategy registry and runs: roles, 201/202/403/404/409/422, idempotent start, evaluation."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from functions.shared.api_store import ApiServices

from vyapari.api.registry import evaluation_key

Client = Callable[..., tuple[int, Any]]
DEFINITION = {"name": "orb-15", "strategy": "orb_momentum", "params": {}, "description": "ORB"}
RUN = {"strategy_name": "orb-15", "exchange": "NSE", "symbols": ["RELIANCE"], "start": "2025-09-26",
       "end": "2025-09-30", "interval": "1m"}


def _run(client: Client) -> str:
    assert client("POST", "/strategies", body=DEFINITION, groups="admin")[0] == 201
    status, run = client("POST", "/strategy-runs", body=RUN, groups="trader")
    assert status == 201 and run["status"] == "CREATED"
    return str(run["run_id"])


def test_admin_registers_a_strategy_and_everyone_can_list_it(client: Client) -> None:
    status, created = client("POST", "/strategies", body=DEFINITION, groups="admin")
    assert status == 201 and created["created_by"] == "asha"
    status, listing = client("GET", "/strategies")
    assert status == 200 and [s["name"] for s in listing["items"]] == ["orb-15"]
    assert "vwap_reversion" in listing["reference_strategies"]


@pytest.mark.parametrize("groups", ["viewer", "trader"])
def test_only_admins_register_strategies(client: Client, groups: str) -> None:
    assert client("POST", "/strategies", body=DEFINITION, groups=groups)[0] == 403


def test_a_taken_strategy_name_is_409(client: Client) -> None:
    client("POST", "/strategies", body=DEFINITION, groups="admin")
    assert client("POST", "/strategies", body=DEFINITION, groups="admin")[0] == 409


@pytest.mark.parametrize(("change", "field"), [
    ({"strategy": "no_such"}, "strategy"),
    ({"params": {"no_such_param": 1}}, "params"),
    ({"name": "Bad Name"}, "body.name"),
    ({"extra": 1}, "body.extra"),
])
def test_invalid_definitions_are_422_naming_the_field(client: Client, change: dict[str, Any],
                                                       field: str) -> None:
    status, body = client("POST", "/strategies", body={**DEFINITION, **change}, groups="admin")
    assert status == 422 and field in [f["field"] for f in body["fields"]]


def test_runs_are_created_by_traders_and_listed_in_pages(client: Client) -> None:
    ids = {_run(client)} | {client("POST", "/strategy-runs", body=RUN, groups="trader")[1]["run_id"]}
    assert client("POST", "/strategy-runs", body=RUN, groups="viewer")[0] == 403
    status, first = client("GET", "/strategy-runs", query={"limit": "1"})
    assert status == 200 and len(first["items"]) == 1 and first["next_token"]
    _, rest = client("GET", "/strategy-runs", query={"limit": "1", "next_token": first["next_token"]})
    assert {first["items"][0]["run_id"], rest["items"][0]["run_id"]} == ids


def test_a_run_of_an_unregistered_strategy_is_404_and_reversed_dates_422(client: Client) -> None:
    assert client("POST", "/strategy-runs", body=RUN, groups="trader")[0] == 404
    client("POST", "/strategies", body=DEFINITION, groups="admin")
    status, body = client("POST", "/strategy-runs", body={**RUN, "end": "2025-09-01"}, groups="trader")
    assert status == 422 and body["fields"][0]["field"] == "end"


def test_start_is_idempotent_on_the_client_token(client: Client, services: ApiServices) -> None:
    run_id = _run(client)
    status, started = client("POST", f"/strategy-runs/{run_id}/start", body={"client_token": "tok-12345678"},
                             groups="trader")
    assert status == 202 and started["status"] == "STARTED" and started["execution_arn"]
    status, again = client("POST", f"/strategy-runs/{run_id}/start", body={"client_token": "tok-12345678"},
                           groups="trader")
    assert status == 202 and again["execution_arn"] == started["execution_arn"]
    starter = services.registry.starter
    assert len(starter.started) == 1  # type: ignore[attr-defined]
    payload = next(iter(starter.started.values()))  # type: ignore[attr-defined]
    assert payload["strategy"] == "orb_momentum" and payload["symbols"] == ["RELIANCE"]
    other = client("POST", f"/strategy-runs/{run_id}/start", body={"client_token": "other-12345678"},
                   groups="trader")
    assert other[0] == 409


def test_start_errors(client: Client) -> None:
    run_id = _run(client)
    token = {"client_token": "tok-12345678"}
    assert client("POST", f"/strategy-runs/{run_id}/start", body=token, groups="viewer")[0] == 403
    assert client("POST", "/strategy-runs/run-unknown/start", body=token, groups="trader")[0] == 404
    status, body = client("POST", f"/strategy-runs/{run_id}/start", body={"client_token": "x"},
                          groups="trader")
    assert status == 422 and body["fields"][0]["field"] == "body.client_token"
    status, body = client("POST", f"/strategy-runs/{run_id}/start", raw_body="{not json", groups="trader")
    assert status == 422


def test_evaluate_returns_the_latest_published_evaluation(client: Client, services: ApiServices) -> None:
    assert client("GET", "/strategy-runs/run-unknown/evaluate")[0] == 404
    run_id = _run(client)
    status, body = client("GET", f"/strategy-runs/{run_id}/evaluate")
    assert status == 404 and "no evaluation" in body["message"]
    document = {"week": "2025-W40", "badges": [{"name": "weekly_target_met", "passed": True}]}
    services.lake.put(evaluation_key(run_id), json.dumps(document).encode())
    try:
        status, body = client("GET", f"/strategy-runs/{run_id}/evaluate")
    finally:
        services.lake.delete(evaluation_key(run_id))
    assert status == 200 and body["badges"] == document["badges"] and body["evaluation"] == document


@pytest.mark.parametrize(("strategy", "field", "says"), [
    ("mine/momentum.py:Momentum", "strategy", "is a file path"),  # the local API executing runs takes it
    ("mine/momentum.py;rm:Momentum", "body.strategy", "pattern"),
    ("no_such_package.momo:Momentum", "strategy", "cannot import module"),
    ("vyapari.strategy.signals:VectorSignal", "strategy", "not a Strategy subclass"),
    ("sys:exit", "strategy", "not a Strategy subclass"),  # never calls an arbitrary callable
])
def test_strategy_references_a_workflow_cannot_run_are_422(client: Client, strategy: str, field: str,
                                                          says: str) -> None:
    status, body = client("POST", "/strategies", body={**DEFINITION, "strategy": strategy, "params": {}},
                          groups="admin")
    assert status == 422 and [f["field"] for f in body["fields"]] == [field]
    assert says in json.dumps(body)


def test_a_module_strategy_reference_is_registered(client: Client) -> None:
    definition = {**DEFINITION, "name": "sma-mod", "strategy": "vyapari.strategies.sma_cross:SmaCross",
                  "params": {"fast": 5, "slow": 20}}
    status, body = client("POST", "/strategies", body=definition, groups="admin")
    assert status in (200, 201), body
    assert body["strategy"] == "vyapari.strategies.sma_cross:SmaCross"
