"""The REST function reaches the live kill switch: ``ORDER_STATE_TABLE`` and key-value access only."""

from __future__ import annotations

import json
from typing import Any

from tests.infrastructure.conftest import Synthesized, handler_of

HANDLER = "functions.api.handler.lambda_handler"
ORDER_STATE = "vyapari-dev-order-state"


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {logical_id: r["Properties"] for logical_id, r in template["Resources"].items()
            if r["Type"] == "AWS::Lambda::Function"}


def _role_statements(template: dict[str, Any], function: dict[str, Any]) -> list[dict[str, Any]]:
    role = function["Role"]["Fn::GetAtt"][0]
    return [statement for r in template["Resources"].values()
            if r["Type"] == "AWS::IAM::Policy" and {"Ref": role} in r["Properties"].get("Roles", [])
            for statement in r["Properties"]["PolicyDocument"]["Statement"]]


def test_only_the_rest_function_gets_the_order_state_table(synth: Synthesized) -> None:
    functions = _functions(synth.json("api"))
    with_table = {p["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]: p["Environment"]["Variables"]
                  for p in functions.values() if "ORDER_STATE_TABLE" in p["Environment"]["Variables"]}
    assert list(with_table) == ["vyapari-api"]
    assert with_table["vyapari-api"]["ORDER_STATE_TABLE"] == ORDER_STATE


def test_the_rest_function_may_only_touch_the_kill_switch_items(synth: Synthesized) -> None:
    template = synth.json("api")
    rest = next(p for p in _functions(template).values() if handler_of(p) == HANDLER
                and p["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "vyapari-api")
    touching = [s for s in _role_statements(template, rest) if ORDER_STATE in json.dumps(s["Resource"])]
    assert len(touching) == 1
    [statement] = touching
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"]
    assert statement["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["kv"]}}
    assert "/index/" not in json.dumps(statement["Resource"])
