"""``ScheduledFunction``: a :class:`PythonFunction` started by an EventBridge Scheduler cron schedule.

Schedules are cron expressions in ``Asia/Kolkata`` (as in ``cdk/stacks/workflows.py``: no UTC
arithmetic), with no flexible window. The scheduler's role may invoke this function only. The input
may use the scheduler's context attributes, e.g. ``{"time": "<aws.scheduler.scheduled-time>"}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler

from cdk.constructs.python_function import FunctionSpec, PythonFunction
from constructs import Construct

TIMEZONE = "Asia/Kolkata"


class ScheduledFunction(Construct):
    """Exposes ``function`` (the :class:`PythonFunction`), ``schedule`` and ``role`` (the scheduler's)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: FunctionSpec,
        layers: Sequence[lambda_.ILayerVersion],
        schedule_name: str,
        expression: str,
        environment: Mapping[str, str],
        schedule_input: Mapping[str, Any] | None = None,
        retry_attempts: int = 0,
        log_retention_days: int = 14,
        **function_options: Any,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = PythonFunction(
            self,
            "Function",
            spec=spec,
            layers=layers,
            environment=environment,
            log_retention_days=log_retention_days,
            **function_options,
        )
        self.role = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
            description=f"EventBridge Scheduler: invoke {spec.directory}",
        )
        self.function.function.grant_invoke(self.role)
        self.schedule = scheduler.CfnSchedule(
            self,
            "Schedule",
            name=schedule_name,
            description=f"Run {spec.directory} ({expression} {TIMEZONE})",
            schedule_expression=expression,
            schedule_expression_timezone=TIMEZONE,
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn=self.function.function.function_arn,
                role_arn=self.role.role_arn,
                input=json.dumps(dict(schedule_input or {})),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_event_age_in_seconds=900, maximum_retry_attempts=retry_attempts
                ),
            ),
        )
