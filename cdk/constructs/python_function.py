"""``PythonFunction``: the one construct every vyapari Lambda goes through.

Python 3.12 on arm64 (Graviton: ~20 % cheaper per GB-s), X-Ray active tracing, its own log group with
the stage's retention, Powertools environment (service name, metrics namespace, log level). Two
package kinds: ``zip`` (light functions: the shared code asset of :mod:`cdk.constructs.function_code`
plus the dependency layers, no numpy or pandas) and ``image`` (heavy functions: the project's
container image with the handler as its command, :mod:`cdk.constructs.image`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from cdk.constructs.function_code import function_code, handler_module_path
from cdk.constructs.image import lambda_image_code
from constructs import Construct

XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
METRICS_NAMESPACE = "vyapari"  # the default of functions/shared/powertools.py; dashboards read it
RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    731: logs.RetentionDays.TWO_YEARS,
}


@dataclass(frozen=True)
class FunctionSpec:
    """What varies between functions: ``directory`` is the folder under ``functions/``; ``image`` runs
    it from the container image (it needs numba, pandas, pyarrow, calendars or plotly)."""

    directory: str
    handler: str
    memory_mb: int = 256
    timeout_s: int = 30
    image: bool = False
    lake_writes: tuple[str, ...] = ()  # lake key prefixes it may PUT under ("" = anywhere); reads all
    description: str = ""
    service: str = "vyapari-workflows"


def retention(days: int) -> logs.RetentionDays:
    """The CloudWatch ``RetentionDays`` for ``days`` (must be one CloudWatch accepts, e.g. 14, 90)."""
    try:
        return RETENTION[days]
    except KeyError:
        raise ValueError(f"log retention {days} days is not a CloudWatch retention value") from None


class PythonFunction(Construct):
    """One Lambda from ``functions/<directory>/handler.py``; exposes ``function`` and ``log_group``.

    ``vpc`` (with ``vpc_subnets`` and ``security_groups``) puts it in the VPC, e.g. behind the NAT's
    static egress IP.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: FunctionSpec,
        layers: Sequence[lambda_.ILayerVersion],
        environment: Mapping[str, str] | None = None,
        log_retention_days: int = 14,
        log_level: str = "INFO",
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if not handler_module_path(spec.handler).is_file():
            raise FileNotFoundError(
                f"handler {spec.handler!r}: {handler_module_path(spec.handler)} is missing"
            )
        self.spec = spec
        self.log_group = logs.LogGroup(
            self, "Logs", retention=retention(log_retention_days), removal_policy=RemovalPolicy.DESTROY
        )
        common = dict(
            architecture=lambda_.Architecture.ARM_64,
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_s),
            description=spec.description[:256],
            log_group=self.log_group,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_groups=list(security_groups) if security_groups is not None else None,
            environment={
                **(environment or {}),
                "POWERTOOLS_SERVICE_NAME": spec.service,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "LOG_LEVEL": log_level,
            },
        )
        self.function: lambda_.Function
        if spec.image:
            self.function = lambda_.DockerImageFunction(
                self, "Function", code=lambda_image_code(spec.handler), **common  # type: ignore[arg-type]
            )
        else:
            self.function = lambda_.Function(
                self,
                "Function",
                runtime=lambda_.Runtime.PYTHON_3_12,
                code=function_code(),
                handler=spec.handler,
                layers=list(layers),
                **common,  # type: ignore[arg-type]
            )
        self._active_tracing()

    def _active_tracing(self) -> None:
        """X-Ray active tracing, its ``Resource: *`` grant in a policy of its own.

        ``tracing=ACTIVE`` would put ``xray:PutTraceSegments`` on ``*`` into the role's default policy,
        where a cdk-nag acknowledgement of ``Resource::*`` would also hide any other wildcard grant;
        apart, the acknowledgement covers exactly the two X-Ray actions (which take no resource ARN).
        """
        cfn = self.function.node.default_child
        cfn.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")  # type: ignore[union-attr]
        assert self.function.role is not None
        self.xray_policy = iam.Policy(
            self,
            "XRayWrites",
            statements=[iam.PolicyStatement(actions=list(XRAY_ACTIONS), resources=["*"])],
            roles=[self.function.role],
        )
        Validations.of(self.xray_policy).acknowledge(Acknowledgment(
            id="AwsSolutions::AwsSolutions-IAM5[Resource::*]",
            reason="X-Ray's PutTraceSegments/PutTelemetryRecords accept no resource ARN (only *).",
        ))
