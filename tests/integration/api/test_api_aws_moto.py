"""The REST API on its AWS wiring under moto: DynamoDB records, Step Functions start, S3 evaluations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from functions.shared.api_settings import ApiSettings
from functions.shared.api_store import build_services
from tests.unit.api.api_events import call, load_api_handler

ASL = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}


@pytest.fixture
def api_aws(aws: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The REST handler with services built for the ``aws`` backend inside moto."""
    boto3.client("s3").create_bucket(Bucket="lake",
                                     CreateBucketConfiguration={"LocationConstraint": aws["region"]})
    machine = boto3.client("stepfunctions").create_state_machine(
        name="backtest", definition=json.dumps(ASL), roleArn="arn:aws:iam::123456789012:role/sfn")
    monkeypatch.setenv("BACKTEST_STATE_MACHINE_ARN", machine["stateMachineArn"])
    monkeypatch.setenv("LAKE_URI", "s3://lake/v1")
    handler = load_api_handler(tmp_path, tmp_path)
    monkeypatch.setattr(handler, "SERVICES", build_services(ApiSettings.from_env()))
    return handler


def test_runs_start_step_functions_once_and_evaluations_come_from_s3(api_aws: Any) -> None:
    definition = {"name": "vwap", "strategy": "vwap_reversion", "params": {}}
    assert call(api_aws, "POST", "/strategies", body=definition, groups="admin")[0] == 201
    run = {"strategy_name": "vwap", "symbols": ["RELIANCE"], "start": "2025-09-01", "end": "2025-09-30"}
    status, created = call(api_aws, "POST", "/strategy-runs", body=run, groups="trader")
    assert status == 201
    path = f"/strategy-runs/{created['run_id']}/start"
    status, started = call(api_aws, "POST", path, body={"client_token": "abc-12345678"}, groups="trader")
    assert status == 202
    again = call(api_aws, "POST", path, body={"client_token": "abc-12345678"}, groups="trader")
    assert again == (202, started)
    sfn = boto3.client("stepfunctions")
    executions = sfn.list_executions(stateMachineArn=api_aws.SERVICES.registry.starter.arn)["executions"]
    assert [e["executionArn"] for e in executions] == [started["execution_arn"]]
    payload = json.loads(sfn.describe_execution(executionArn=started["execution_arn"])["input"])
    assert payload["run_id"] == created["run_id"] and payload["strategy"] == "vwap_reversion"

    key = f"v1/evaluations/{created['run_id']}/latest.json"
    boto3.client("s3").put_object(Bucket="lake", Key=key, Body=json.dumps({"badges": ["consistent"]}))
    status, evaluation = call(api_aws, "GET", f"/strategy-runs/{created['run_id']}/evaluate")
    assert status == 200 and evaluation["badges"] == ["consistent"]


def test_records_page_through_dynamodb_and_intents_are_conditional(api_aws: Any) -> None:
    table = boto3.resource("dynamodb").Table("vyapari-trades")
    for i in range(5):
        table.put_item(Item={"pk": "paper", "sk": f"t{i}", "trade_id": f"t{i}", "price": "1380.5",
                             "quantity": i})
    seen, token = [], None
    while True:
        query = {"limit": "2", **({"next_token": token} if token else {})}
        status, body = call(api_aws, "GET", "/trades", query=query)
        assert status == 200
        seen += [t["trade_id"] for t in body["items"]]
        token = body["next_token"]
        if not token:
            break
    assert seen == [f"t{i}" for i in range(5)]
    order = {"client_order_id": "ord-000009", "mode": "live", "instrument_id": "NSE:INFY", "side": "SELL",
             "quantity": 5, "order_type": "SL-M", "product": "MIS", "trigger_price": "1490.00"}
    first = call(api_aws, "POST", "/orders", body=order, groups="trader")
    assert first[0] == 202 and call(api_aws, "POST", "/orders", body=order, groups="trader") == first
    assert call(api_aws, "POST", "/orders", body={**order, "quantity": 6}, groups="trader")[0] == 409
