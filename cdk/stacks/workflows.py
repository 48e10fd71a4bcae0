"""Workflows: the workflow Lambdas, the three state machines of ``statemachines/`` and their schedules.

``statemachines/substitutions.json`` is the single mapping of placeholders to resources: every
``lambda_function_arn`` entry becomes one :class:`PythonFunction` (handler, memory, timeout and
``package``: ``zip`` for code asset + common layer, ``image`` for the container image), the ECS
entries are filled from :class:`ComputeStack`. Schedules are EventBridge Scheduler cron expressions
in ``Asia/Kolkata`` (no UTC arithmetic, no DST in India anyway).
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Fn, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler

from cdk.config import StageConfig
from cdk.constructs.layers import DependencyLayers
from cdk.constructs.python_function import FunctionSpec, PythonFunction
from cdk.constructs.state_machine import AslStateMachine
from cdk.paths import ROOT, SUBSTITUTIONS
from cdk.stacks.compute import BACKTEST_CONTAINER, ComputeStack
from cdk.stacks.data import DataRefs, DataStack
from constructs import Construct

TIMEZONE = "Asia/Kolkata"
# After the exchanges publish the day's bhavcopies (~18:00-18:30 IST), and Saturday morning for the week.
SCHEDULES = {
    "ingestion": "cron(45 18 ? * MON-FRI *)",
    "weekly_evaluation": "cron(0 9 ? * SAT *)",
}
GLUE_ACTIONS = [
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:CreatePartition",
    "glue:BatchCreatePartition",
    "glue:UpdatePartition",
]


def load_substitutions() -> dict[str, Any]:
    """``statemachines/substitutions.json`` as a dict."""
    return dict(json.loads(SUBSTITUTIONS.read_text(encoding="utf-8")))


def function_specs(mapping: dict[str, Any]) -> dict[str, FunctionSpec]:
    """Placeholder name -> FunctionSpec of every ``lambda_function_arn`` placeholder."""
    return {
        key: FunctionSpec(
            directory=entry["function"],
            handler=entry["handler"],
            memory_mb=entry["memory_mb"],
            timeout_s=entry["timeout_s"],
            image=entry["package"] == "image",
            lake_writes=tuple(entry["lake_writes"]),
            description=entry.get("description", ""),
        )
        for key, entry in mapping["placeholders"].items()
        if entry["kind"] == "lambda_function_arn"
    }


class WorkflowsStack(Stack):
    """Exposes ``functions`` (placeholder -> PythonFunction) and ``machines`` (name -> AslStateMachine)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        data: DataStack,
        compute: ComputeStack,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        refs = data.refs(self)
        self.config = config
        mapping = load_substitutions()
        layers = DependencyLayers(self, "Layers", config=config)
        environment = {
            "LAKE_URI": refs.lake_uri,
            "GLUE_DATABASE": refs.glue_database_name,
            "TICKSTORE": config.tickstore,
            "DOWNLOAD_MIRROR": "",
            "FARGATE_MIN_CELLS": "5000000",
            "INLINE_ITEMS_MAX": "40",
            "ITEMS_BUCKET": refs.lake.bucket_name,
        }
        self.functions: dict[str, PythonFunction] = {}
        for key, spec in function_specs(mapping).items():
            fn = PythonFunction(
                self,
                key.removesuffix("FunctionArn"),
                spec=spec,
                layers=layers.for_function(spec.image),
                environment=environment,
                log_retention_days=config.log_retention_days,
            )
            refs.lake.grant_read(fn.function)  # readers read; writers PUT only under their prefixes
            for prefix in spec.lake_writes:
                refs.lake.grant_put(fn.function, f"{prefix}*")
            self.functions[key] = fn
        self._grant_glue(self.functions["RegisterPartitionsFunctionArn"].function, refs)
        ecs_values = {
            "BacktestClusterArn": compute.cluster.cluster_arn,
            "BacktestTaskDefinitionArn": compute.backtest_task.task_definition_arn,
            "BacktestContainerName": BACKTEST_CONTAINER,
            "BacktestSubnetIds": Fn.join(",", compute.private_subnet_ids),
            "BacktestSecurityGroupIds": compute.tasks_security_group.security_group_id,
            "ResultsBucketName": refs.lake.bucket_name,
        }
        self.machines: dict[str, AslStateMachine] = {}
        for name, path in mapping["state_machines"].items():
            machine = AslStateMachine(
                self,
                f"{name.title().replace('_', '')}Workflow",
                name=f"{config.prefix}-{name}",
                asl_path=ROOT / path,
                functions={k: f.function for k, f in self.functions.items()},
                substitutions=ecs_values,
                log_retention_days=config.log_retention_days,
            )
            self.machines[name] = machine
        self.machines["backtest"].grant_run_task(
            compute.backtest_task, compute.cluster, family=compute.backtest_family, cluster_name=config.prefix
        )
        self.machines["backtest"].grant_distributed_map(refs.lake)
        self._schedules()
        self._landing_trigger(refs)

    def _grant_glue(self, fn: lambda_.IFunction, data: DataRefs) -> None:
        database = data.glue_database_name
        resources = [
            self.format_arn(service="glue", resource="catalog"),
            self.format_arn(service="glue", resource="database", resource_name=database),
            self.format_arn(service="glue", resource="table", resource_name=f"{database}/*"),
        ]
        fn.add_to_role_policy(iam.PolicyStatement(actions=GLUE_ACTIONS, resources=resources))

    def _schedules(self) -> None:
        role = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
            description="EventBridge Scheduler: start the ingestion and weekly workflows",
        )
        for name, expression in SCHEDULES.items():
            machine = self.machines[name].state_machine
            machine.grant_start_execution(role)
            scheduler.CfnSchedule(
                self,
                f"{name.title().replace('_', '')}Schedule",
                name=f"{self.config.prefix}-{name}".replace("_", "-"),
                description=f"Start the {name} workflow ({expression} {TIMEZONE})",
                schedule_expression=expression,
                schedule_expression_timezone=TIMEZONE,
                flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
                target=scheduler.CfnSchedule.TargetProperty(
                    arn=machine.state_machine_arn,
                    role_arn=role.role_arn,
                    input="{}",
                    retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                        maximum_event_age_in_seconds=3600, maximum_retry_attempts=3
                    ),
                ),
            )

    def _landing_trigger(self, data: DataRefs) -> None:
        """Uploads under ``landing/`` (e.g. a manual bhavcopy) are ingested too, via EventBridge.

        EventBridge (not an S3 notification) avoids a Data -> Workflows dependency cycle; the input is
        reshaped into the S3 notification form ``ingest_file`` accepts (``Records[].s3``).
        """
        record = {
            "s3": {
                "bucket": {"name": events.EventField.from_path("$.detail.bucket.name")},
                "object": {"key": events.EventField.from_path("$.detail.object.key")},
            }
        }
        events.Rule(
            self,
            "LandingUploads",
            description="Ingest files uploaded under landing/",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={
                    "bucket": {"name": [data.lake.bucket_name]},
                    "object": {"key": [{"prefix": "landing/"}]},
                },
            ),
            targets=[
                targets.LambdaFunction(
                    self.functions["IngestFileFunctionArn"].function,
                    event=events.RuleTargetInput.from_object({"Records": [record]}),
                    retry_attempts=2,
                )
            ],
        )
