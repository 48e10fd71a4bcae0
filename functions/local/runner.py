"""Execute ``statemachines/*.asl.json`` locally with moto's Step Functions interpreter.

:func:`run_workflow` starts moto (``execute_state_machine`` on, docker-less Lambda), creates one moto
Lambda function per ``…FunctionArn`` placeholder, the backtest ECS cluster/task definition and the bucket
the Distributed Map's ``ItemReader`` reads, fills the placeholders from ``statemachines/substitutions.json``
(as CloudFormation's ``DefinitionSubstitutions`` would), runs the execution and returns its history.
Lambda tasks run our handlers in-process (:mod:`functions.local.moto_lambda`), ECS tasks run the container
command as a subprocess (:mod:`functions.local.moto_ecs`). The handlers' ``LAKE_URI`` is a real local
folder that persists after the run; moto's S3 holds only the work-item list of large plans, copied there
from the lake after ``plan_backtest`` (``ITEMS_BUCKET``).
"""

from __future__ import annotations

import io
import json
import logging
import os
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from functions.local.moto_ecs import LocalTasks
from functions.local.moto_ecs import install as install_ecs
from functions.local.moto_lambda import LocalLambdas
from functions.local.moto_lambda import install as install_lambda
from vyapari.workflows.asl import definition_path, history_line, load_substitutions, placeholders, substitute

ROOT = Path(__file__).resolve().parents[2]
REGION = "ap-south-1"
ITEMS_BUCKET = "vyapari-local-items"
MOTO_CONFIG: Any = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
BASE_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "ITEMS_BUCKET": ITEMS_BUCKET,
}


@dataclass
class LocalRun:
    """The outcome of a local execution: status, output, history lines and the raw history."""

    workflow: str
    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None
    lines: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)


@contextmanager
def patched_env(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block, then restore the previous values."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "# the local runner runs the real handler in-process\n")
    return buffer.getvalue()


def _create_resources(
    names: set[str], table: dict[str, Any]
) -> tuple[dict[str, str], LocalLambdas, LocalTasks]:
    """Create the moto resources the placeholders ``names`` refer to; their substitution values."""
    iam, lam, ecs = (boto3.client(s, region_name=REGION) for s in ("iam", "lambda", "ecs"))
    role = iam.create_role(RoleName=f"vyapari-local-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument="{}")
    values: dict[str, str] = {}
    lambdas, tasks = LocalLambdas({}), LocalTasks({}, ROOT)
    for name in sorted(names):
        spec = table[name]
        if spec["kind"] == "lambda_function_arn":
            fn = f"vyapari-{spec['function'].replace('_', '-')}"
            created = lam.create_function(
                FunctionName=fn,
                Runtime="python3.12",
                Role=role["Role"]["Arn"],
                Handler="handler.lambda_handler",
                Code={"ZipFile": _zip()},
            )
            values[name] = created["FunctionArn"]
            lambdas.modules[fn] = spec["handler"].rsplit(".", 1)[0]
        elif spec["kind"] == "ecs_cluster_arn":
            values[name] = ecs.create_cluster(clusterName="vyapari-backtest")["cluster"]["clusterArn"]
        elif spec["kind"] == "ecs_task_definition_arn":
            values[name] = _task_definition(ecs, spec["container_command"], table)
            tasks.commands["vyapari-backtest"] = list(spec["container_command"])
        else:
            values[name] = str(spec.get("default") or f"local-{name}")
    return values, lambdas, tasks


def _task_definition(ecs: Any, command: list[str], table: dict[str, Any]) -> str:
    container = str(table.get("BacktestContainerName", {}).get("default", "backtest"))
    created = ecs.register_task_definition(
        family="vyapari-backtest",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="1024",
        memory="4096",
        containerDefinitions=[
            {
                "name": container,
                "image": "vyapari:local",
                "command": command,
                "essential": True,
                "cpu": 1024,
                "memory": 4096,
            }
        ],
    )
    return str(created["taskDefinition"]["taskDefinitionArn"])


def _copy_items_hook(lake: Path) -> Callable[[str, Any, Any], None]:
    """After ``plan_backtest``: copy a large plan's item list from the lake into moto's S3."""
    s3 = boto3.client("s3", region_name=REGION)

    def hook(function: str, event: Any, result: Any) -> None:
        location = result.get("items_location") if isinstance(result, dict) else None
        if location:
            body = (lake / location["Key"]).read_bytes()
            s3.put_object(Bucket=location["Bucket"], Key=location["Key"], Body=body)

    return hook


def _prepare_items_bucket(lambdas: LocalLambdas, lake: Path) -> None:
    """Create the bucket the Distributed Map reads and copy large plans' item lists into it."""
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=ITEMS_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    lambdas.after.append(_copy_items_hook(lake))


def _wait(sfn: Any, arn: str, timeout_s: float, on_line: Callable[[str], None] | None) -> dict[str, Any]:
    """Poll until the execution ends, passing new history lines to ``on_line`` as they appear."""
    deadline, shown = time.monotonic() + timeout_s, 0
    while True:
        described: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        done = described["status"] != "RUNNING" or time.monotonic() > deadline
        if on_line is not None:
            lines = [x for x in (history_line(e) for e in _history(sfn, arn)) if x]
            for line in lines[shown:]:
                on_line(line)
            shown = len(lines)
        if done:
            return described
        time.sleep(0.1)


def _history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


def run_workflow(
    workflow: str,
    payload: dict[str, Any],
    lake: Path,
    *,
    env: dict[str, str] | None = None,
    on_line: Callable[[str], None] | None = None,
    timeout_s: float = 300.0,
    before_invoke: Callable[[str, Any, Any], None] | None = None,
) -> LocalRun:
    """Run ``workflow`` (``ingestion``, ``backtest``, ``weekly-evaluation``) on ``payload`` locally.

    Parameters
    ----------
    lake : Path
        The local lake folder the handlers read and write (created if absent; kept afterwards).
    env : dict, optional
        Extra handler settings (e.g. ``DOWNLOAD_MIRROR``, ``FARGATE_MIN_CELLS``, ``INLINE_ITEMS_MAX``).
    on_line : callable, optional
        Receives each history line as the execution's history is read (for printing).
    before_invoke : callable, optional
        ``(function_name, event, None)`` before each Lambda invocation; raising fails that invocation.
    """
    from functions.shared.settings import get_settings

    logging.getLogger("moto").setLevel(logging.CRITICAL)  # the interpreter logs every caught failure
    lake.mkdir(parents=True, exist_ok=True)
    table = load_substitutions(ROOT)["placeholders"]
    text = definition_path(ROOT, workflow).read_text(encoding="utf-8")
    settings_env = {**BASE_ENV, "LAKE_URI": str(lake.resolve()), **(env or {})}
    with patched_env(settings_env), mock_aws(config=MOTO_CONFIG):
        get_settings.cache_clear()
        values, lambdas, tasks = _create_resources(placeholders(text), table)
        _prepare_items_bucket(lambdas, lake)
        lambdas.before.extend([before_invoke] if before_invoke else [])
        tasks.env = {k: v for k, v in settings_env.items() if not k.startswith("AWS_")}
        with install_lambda(lambdas), install_ecs(tasks):
            run = _execute(workflow, substitute(text, values), payload, timeout_s, on_line)
        get_settings.cache_clear()
    run.tasks = tasks.runs
    return run


def _execute(
    workflow: str,
    definition: str,
    payload: dict[str, Any],
    timeout_s: float,
    on_line: Callable[[str], None] | None,
) -> LocalRun:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName=f"vyapari-sfn-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument="{}")
    machine = sfn.create_state_machine(
        name=f"vyapari-{workflow}-{uuid.uuid4().hex[:6]}", definition=definition, roleArn=role["Role"]["Arn"]
    )
    started = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"], name=uuid.uuid4().hex, input=json.dumps(payload)
    )
    described = _wait(sfn, started["executionArn"], timeout_s, on_line)
    history = _history(sfn, started["executionArn"])
    lines = [line for line in (history_line(e) for e in history) if line]
    output = json.loads(described["output"]) if described.get("output") else None
    return LocalRun(
        workflow, described["status"], output, described.get("error"), described.get("cause"), lines, history
    )
