"""The moto Step Functions behaviours the local runner relies on, each on a tiny machine.

If a moto upgrade changes the interpreter or the private classes patched in ``functions/local``, these
fail first (and name the behaviour).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import boto3
from functions.local.moto_ecs import LocalTasks
from functions.local.moto_ecs import install as install_ecs
from functions.local.moto_lambda import LocalLambdas
from functions.local.moto_lambda import install as install_lambda
from functions.local.runner import MOTO_CONFIG, REGION, ROOT
from moto import mock_aws


def _run(definition: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    arn = sfn.create_state_machine(
        name=f"m{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    started = sfn.start_execution(stateMachineArn=arn, name=uuid.uuid4().hex, input=json.dumps(payload))
    for _ in range(200):
        described: dict[str, Any] = sfn.describe_execution(executionArn=started["executionArn"])
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError("execution did not finish")


def test_intrinsics_numeric_path_choice_and_item_reader(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    machine = {
        "StartAt": "Split",
        "States": {
            "Split": {
                "Type": "Pass",
                "Parameters": {
                    "parts.$": "States.StringSplit('a,b', ',')",
                    "json.$": "States.JsonToString($.o)",
                    "n.$": "$.n",
                    "t.$": "$.t",
                },
                "Next": "Big",
            },
            "Big": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericGreaterThanPath": "$.t", "Next": "Read"}],
                "Default": "Small",
            },
            "Small": {"Type": "Fail", "Error": "Small"},
            "Read": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {"Bucket": "vyapari-items", "Key": "items.json"},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "P",
                    "States": {"P": {"Type": "Pass", "End": True}},
                },
                "ResultPath": "$.items",
                "End": True,
            },
        },
    }
    with mock_aws(config=MOTO_CONFIG):
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="vyapari-items", CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket="vyapari-items", Key="items.json", Body=b'[{"i": 1}, {"i": 2}, {"i": 3}]')
        out = _run(machine, {"o": {"k": 1}, "n": 5, "t": 2})
    assert out["status"] == "SUCCEEDED", out.get("cause")
    result = json.loads(out["output"])
    assert (
        result["parts"] == ["a", "b"]
        and result["json"] == '{"k":1}'
        and result["items"] == [{"i": 1}, {"i": 2}, {"i": 3}]
    )


def test_lambda_patch_reports_error_type_for_retry_and_catch(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    calls: list[int] = []

    def flaky(name: str, event: Any, result: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise TimeoutError("once")
        if event.get("fail"):
            raise ValueError("always")

    machine = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "fn", "Payload.$": "$"},
                "OutputPath": "$.Payload",
                "Retry": [{"ErrorEquals": ["TimeoutError"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["ValueError"], "ResultPath": "$.error", "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    lambdas = LocalLambdas({"fn": "functions.list_active_runs.handler"}, before=[flaky])
    with mock_aws(config=MOTO_CONFIG), install_lambda(lambdas):
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        boto3.client("lambda", region_name=REGION).create_function(
            FunctionName="fn", Runtime="python3.12", Role=role, Handler="h.h", Code={"ZipFile": b"PK"}
        )
        out = _run(machine, {"fail": True})
    caught = json.loads(out["output"])["error"]
    assert out["status"] == "SUCCEEDED" and len(calls) == 2
    assert caught["Error"] == "ValueError" and "always" in caught["Cause"]


def test_ecs_patch_runs_the_container_command_and_fails_on_a_non_zero_exit(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    machine = {
        "StartAt": "Run",
        "States": {
            "Run": {
                "Type": "Task",
                "Resource": "arn:aws:states:::ecs:runTask.sync",
                "Parameters": {
                    "Cluster": "c",
                    "TaskDefinition": "arn:aws:ecs:ap-south-1:1:task-definition/fam:1",
                    "LaunchType": "FARGATE",
                    "Overrides": {
                        "ContainerOverrides": [
                            {
                                "Name": "main",
                                "Environment": [{"Name": "CODE", "Value.$": "States.Format('{}', $.code)"}],
                            }
                        ]
                    },
                },
                "ResultSelector": {"status.$": "$.LastStatus"},
                "End": True,
            }
        },
    }
    command = ["python", "-c", "import os, sys; sys.exit(int(os.environ['CODE']))"]
    tasks = LocalTasks({"fam": command}, ROOT)
    with mock_aws(config=MOTO_CONFIG), install_ecs(tasks):
        ok = _run(machine, {"code": 0})
        failed = _run(machine, {"code": 3})
    assert ok["status"] == "SUCCEEDED" and json.loads(ok["output"]) == {"status": "STOPPED"}
    assert failed["status"] == "FAILED" and failed["error"] == "States.TaskFailed"
    assert [r["returncode"] for r in tasks.runs] == [0, 3]
