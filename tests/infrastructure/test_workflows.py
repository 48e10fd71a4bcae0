"""State machines (every placeholder filled, explicit grants) and their Asia/Kolkata schedules."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cdk.constructs.state_machine import placeholders_of
from tests.infrastructure.conftest import Synthesized, handler_of

ROOT = Path(__file__).resolve().parents[2]


def _definition_text(machine: dict[str, Any], outdir: Path) -> str:
    """The definition after CloudFormation's substitution, intrinsic values rendered as ``<ref>``.

    ``DefinitionBody.from_file`` ships the ASL as an S3 asset (``DefinitionS3Location``) plus
    ``DefinitionSubstitutions``; the asset file is in ``cdk.out`` under its hash.
    """
    props = machine["Properties"]
    if "DefinitionString" in props:
        text = props["DefinitionString"]
    else:
        key = props["DefinitionS3Location"]["Key"]
        text = (outdir / f"asset.{key}").read_text(encoding="utf-8")
    for name, value in props.get("DefinitionSubstitutions", {}).items():
        text = text.replace("${" + name + "}", value if isinstance(value, str) else "<ref>")
    return text


def _statements(synth: Synthesized, stack: str) -> list[dict[str, Any]]:
    return [
        s
        for policy in synth.json(stack)["Resources"].values()
        if policy["Type"] == "AWS::IAM::Policy"
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def test_three_state_machines_with_every_placeholder_substituted(synth: Synthesized) -> None:
    machines = synth.resources("AWS::StepFunctions::StateMachine")
    assert len(machines) == 3
    for name, machine in machines.items():
        text = _definition_text(machine, synth.outdir)
        assert "${" not in text, name
        json.loads(text)  # still valid JSON once the references resolve


def test_substitutions_cover_every_placeholder(substitutions: dict[str, Any]) -> None:
    for name, path in substitutions["state_machines"].items():
        missing = placeholders_of(ROOT / path) - substitutions["placeholders"].keys()
        assert not missing, f"{name}: {missing}"


def test_handler_strings_point_at_existing_lambda_handlers(
    substitutions: dict[str, Any], synth: Synthesized
) -> None:
    handlers = {
        e["handler"] for e in substitutions["placeholders"].values() if e["kind"] == "lambda_function_arn"
    }
    handlers |= {handler_of(fn["Properties"]) for fn in synth.resources("AWS::Lambda::Function").values()}
    for handler in handlers:
        module, _, function = handler.rpartition(".")
        path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
        assert path.is_file(), handler
        assert re.search(rf"^def {function}\(", path.read_text(encoding="utf-8"), re.MULTILINE), handler


def test_each_state_machine_role_can_invoke_each_of_its_functions(
    synth: Synthesized, substitutions: dict[str, Any]
) -> None:
    resources = synth.json("workflows")["Resources"]
    for machine_name, _ in substitutions["state_machines"].items():
        machine_id = next(
            k
            for k, v in resources.items()
            if v["Type"] == "AWS::StepFunctions::StateMachine"
            and v["Properties"]["StateMachineName"] == f"vyapari-dev-{machine_name}"
        )
        role_id = resources[machine_id]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
        invokable = {
            r["Fn::GetAtt"][0]
            for p in resources.values()
            if p["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in p["Properties"]["Roles"]
            for s in p["Properties"]["PolicyDocument"]["Statement"]
            if "lambda:InvokeFunction" in _actions(s)
            for r in s["Resource"]
            if isinstance(r, dict) and "Fn::GetAtt" in r
        }
        wanted = {
            key.removesuffix("FunctionArn")
            for key, e in substitutions["placeholders"].items()
            if e["kind"] == "lambda_function_arn" and machine_name in e["state_machines"]
        }
        assert len(invokable) == len(wanted), machine_name
        assert all(any(i.startswith(w) for i in invokable) for w in wanted), (machine_name, invokable)


def test_backtest_machine_can_run_the_fargate_task_and_pass_its_roles(synth: Synthesized) -> None:
    statements = _statements(synth, "workflows")
    actions = {a for s in statements for a in _actions(s)}
    assert {
        "ecs:RunTask",
        "ecs:StopTask",
        "ecs:DescribeTasks",
        "iam:PassRole",
        "events:PutRule",
        "events:PutTargets",
        "events:DescribeRule",
        "states:StartExecution",
        "states:DescribeExecution",
        "s3:GetObject*",
    } <= actions
    passes = [r for s in statements if "iam:PassRole" in _actions(s) for r in s["Resource"]]
    assert len(passes) == 2  # the task role and the execution role
    run = next(s for s in statements if "ecs:RunTask" in _actions(s))
    assert "vyapari-dev-backtest:*" in json.dumps(run["Resource"])


def test_schedules_run_in_asia_kolkata(synth: Synthesized) -> None:
    schedules = synth.templates["workflows"].find_resources("AWS::Scheduler::Schedule")
    expressions = {s["Properties"]["Name"]: s["Properties"]["ScheduleExpression"] for s in schedules.values()}
    assert expressions == {
        "vyapari-dev-ingestion": "cron(45 18 ? * MON-FRI *)",
        "vyapari-dev-weekly-evaluation": "cron(0 9 ? * SAT *)",
    }
    for schedule in schedules.values():
        assert schedule["Properties"]["ScheduleExpressionTimezone"] == "Asia/Kolkata"
        assert schedule["Properties"].get("State", "ENABLED") == "ENABLED"
        assert "Ref" in schedule["Properties"]["Target"]["Arn"]


def test_landing_uploads_reach_ingest_file_in_s3_event_shape(synth: Synthesized) -> None:
    rules = synth.resources("AWS::Events::Rule")
    landing = [r for r in rules.values() if r["Properties"]["EventPattern"]["source"] == ["aws.s3"]]
    assert len(landing) == 1
    target = landing[0]["Properties"]["Targets"][0]
    assert "Records" in target["InputTransformer"]["InputTemplate"]


def _role_statements(template: dict, props: dict) -> list[dict]:
    role = props["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role} in r["Properties"]["Roles"]
        for statement in r["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_workflow_functions_read_the_lake_and_write_only_their_prefixes(
    synth: Synthesized, substitutions: dict
) -> None:
    template = synth.json("workflows")
    writes = {e["handler"]: e["lake_writes"] for e in substitutions["placeholders"].values()
              if e["kind"] == "lambda_function_arn"}
    for r in template["Resources"].values():
        if r["Type"] != "AWS::Lambda::Function":
            continue
        handler = handler_of(r["Properties"])
        statements = _role_statements(template, r["Properties"])
        actions = [a for s in statements
                   for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
        assert "s3:GetObject*" in actions, handler
        assert not any(a.startswith("s3:DeleteObject") for a in actions), handler
        put_resources = json.dumps([s["Resource"] for s in statements
                                    if "s3:PutObject" in json.dumps(s["Action"])])
        if not writes[handler]:
            assert put_resources == "[]", handler  # read-only: no PUT at all
        for prefix in writes[handler]:
            assert f"/{prefix}*" in put_resources, (handler, prefix)
    assert writes["functions.list_active_runs.handler.lambda_handler"] == []
    assert writes["functions.publish_evaluation.handler.lambda_handler"] == ["evaluations/", "runs/"]


def test_the_distributed_map_writes_its_results_to_the_lake(synth: Synthesized) -> None:
    machine = json.loads((ROOT / "statemachines" / "backtest.asl.json").read_text(encoding="utf-8"))
    writer = machine["States"]["RunItemsDistributed"]["ResultWriter"]
    assert writer["Resource"] == "arn:aws:states:::s3:putObject"
    assert writer["Parameters"]["Prefix"] == "runs/map-results"
    statements = [s for p in synth.resources("AWS::IAM::Policy").values()
                  for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert any("s3:PutObject" in json.dumps(s["Action"])
               and "/runs/map-results/*" in json.dumps(s["Resource"]) for s in statements)
