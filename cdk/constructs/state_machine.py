"""``AslStateMachine``: a Step Functions state machine loaded from ``statemachines/<name>.asl.json``.

``DefinitionBody.from_file`` grants nothing (raw ASL), so this construct (STYLE.md rule 6) fills every
``${Placeholder}`` — refusing to synthesize when one is missing — and grants explicitly: invoke on each
Lambda it names, ``ecs:RunTask``/``iam:PassRole`` for Fargate tasks, S3 reads for a Distributed Map
``ItemReader`` and child-execution rights on itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn

from cdk.constructs.python_function import retention
from constructs import Construct

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def placeholders_of(path: Path) -> set[str]:
    """The ``${Name}`` placeholders of an ASL file."""
    return set(PLACEHOLDER.findall(path.read_text(encoding="utf-8")))


MAP_RESULTS_PREFIX = "runs/map-results"  # the ResultWriter prefix of statemachines/backtest.asl.json


class AslStateMachine(Construct):
    """A state machine from an ASL file with all substitutions and grants; exposes ``state_machine``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        asl_path: Path,
        functions: Mapping[str, lambda_.IFunction],
        substitutions: Mapping[str, str] | None = None,
        log_retention_days: int = 14,
    ) -> None:
        super().__init__(scope, construct_id)
        wanted = placeholders_of(asl_path)
        values = {key: fn.function_arn for key, fn in functions.items() if key in wanted}
        values.update({k: v for k, v in (substitutions or {}).items() if k in wanted})
        missing = sorted(wanted - values.keys())
        if missing:
            raise ValueError(f"{asl_path.name}: no substitution for {', '.join(missing)}")
        self.name = name
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=retention(log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
            log_group_name=f"/aws/vendedlogs/states/{name}",
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=name,
            definition_body=sfn.DefinitionBody.from_file(str(asl_path)),
            definition_substitutions=values,
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False
            ),
        )
        for key, fn in sorted(functions.items()):
            if key in wanted:
                fn.grant_invoke(self.state_machine)

    @property
    def role(self) -> iam.IRole:
        """The state machine's execution role."""
        return self.state_machine.role

    def grant_run_task(
        self, task_definition: ecs.TaskDefinition, cluster: ecs.ICluster, *, family: str, cluster_name: str
    ) -> None:
        """Allow ``ecs:runTask.sync`` of ``task_definition`` on ``cluster``, passing its two roles.

        ``family`` and ``cluster_name`` are the literal names (no cross-stack tokens in the policy).
        """
        stack = Stack.of(self)
        family_arn = stack.format_arn(service="ecs", resource="task-definition", resource_name=f"{family}:*")
        tasks = stack.format_arn(service="ecs", resource="task", resource_name=f"{cluster_name}/*")
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ecs:RunTask"],
                resources=[family_arn],
                conditions={"ArnEquals": {"ecs:cluster": cluster.cluster_arn}},
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["ecs:StopTask", "ecs:DescribeTasks"], resources=[tasks])
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                resources=[
                    stack.format_arn(
                        service="events",
                        resource="rule",
                        resource_name="StepFunctionsGetEventsForECSTaskRule",
                    )
                ],
            )
        )
        task_definition.task_role.grant_pass_role(self.role)
        if task_definition.execution_role is not None:
            task_definition.execution_role.grant_pass_role(self.role)

    def grant_distributed_map(self, bucket: s3.IBucket, items_prefix: str = "runs/*") -> None:
        """Allow a Distributed Map to read its items from ``bucket``, to write its results there
        (``ResultWriter`` under ``runs/map-results/``: results never ride in the 256 KB state payload)
        and to run child executions."""
        stack = Stack.of(self)
        bucket.grant_read(self.role, items_prefix)
        bucket.grant_put(self.role, f"{MAP_RESULTS_PREFIX}/*")
        own = stack.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=self.name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        executions = [
            stack.format_arn(
                service="states",
                resource="execution",
                resource_name=f"{self.name}{sep}*",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            for sep in (":", "/")
        ]
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["states:StartExecution"], resources=[own])
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["states:DescribeExecution", "states:StopExecution"], resources=executions
            )
        )
