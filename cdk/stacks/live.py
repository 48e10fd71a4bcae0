"""Live: the long-lived Fargate service running ``vyapari live`` (one task, replaced when it fails).

Broker keys and the daily session (access token) live in Secrets Manager and are injected as ECS
secrets at task start; the task role can also read the session secret, so the service re-reads the
token each morning without a restart. Traffic leaves through the NAT's static ``EgressIp``.

Secrets (JSON):
  ``vyapari/<stage>/broker-keys``
      {"KITE_API_KEY", "KITE_API_SECRET", "UPSTOX_API_KEY", "UPSTOX_API_SECRET"}
  ``vyapari/<stage>/<broker>/session``  {"access_token", "issued_at", "valid_until", "user_id", "broker"}
"""

from __future__ import annotations

import json

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager

from cdk.config import StageConfig
from cdk.constructs.python_function import METRICS_NAMESPACE, retention
from cdk.stacks.compute import ComputeStack
from cdk.stacks.data import DataRefs, DataStack
from constructs import Construct

KEY_FIELDS = ("KITE_API_KEY", "KITE_API_SECRET", "UPSTOX_API_KEY", "UPSTOX_API_SECRET")
SESSION_FIELDS = ("broker", "access_token", "issued_at", "valid_until", "user_id")
LIVE_CONTAINER = "live"
STOP_TIMEOUT = Duration.seconds(120)  # Fargate's maximum: time to cancel open orders and flush state


def _placeholder_secret(
    scope: Construct, construct_id: str, name: str, fields: tuple[str, ...], description: str
) -> secretsmanager.Secret:
    """A secret holding ``fields`` as empty strings (so ECS can inject them) until the user sets them."""
    return secretsmanager.Secret(
        scope,
        construct_id,
        secret_name=name,
        description=description,
        generate_secret_string=secretsmanager.SecretStringGenerator(
            secret_string_template=json.dumps(dict.fromkeys(fields, "")),
            generate_string_key="placeholder",
            exclude_punctuation=True,
        ),
        removal_policy=RemovalPolicy.DESTROY,
    )


class LiveStack(Stack):
    """Exposes ``service``, ``broker_keys``, ``session_secret``."""

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
        prefix = f"vyapari/{config.stage}"
        self.broker_keys = _placeholder_secret(
            self,
            "BrokerKeys",
            f"{prefix}/broker-keys",
            KEY_FIELDS,
            "Broker API keys and secrets (set by the user)",
        )
        self.session_secret = _placeholder_secret(
            self,
            "BrokerSession",
            f"{prefix}/{config.broker}/session",
            SESSION_FIELDS,
            "Daily broker session written by the login flow",
        )
        task = ecs.FargateTaskDefinition(
            self,
            "Task",
            cpu=config.live_cpu,
            family=f"{config.prefix}-live",
            memory_limit_mib=config.live_memory_mib,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.ARM64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        secrets = {field: ecs.Secret.from_secrets_manager(self.broker_keys, field) for field in KEY_FIELDS}
        secrets["BROKER_ACCESS_TOKEN"] = ecs.Secret.from_secrets_manager(self.session_secret, "access_token")
        task.add_container(
            LIVE_CONTAINER,
            container_name=LIVE_CONTAINER,
            image=ecs.ContainerImage.from_docker_image_asset(compute.image),
            command=["live", "--broker", config.broker, "--strategy", config.live_strategy,
                     "--symbols", config.live_symbols],
            environment=self._environment(refs, prefix),
            secrets=secrets,
            stop_timeout=STOP_TIMEOUT,
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix="live",
                log_group=logs.LogGroup(
                    self,
                    "Logs",
                    retention=retention(config.log_retention_days),
                    removal_policy=RemovalPolicy.DESTROY,
                ),
            ),
        )
        self.session_secret.grant_read(task.task_role)
        self.session_secret.grant_write(task.task_role)
        for name in ("orders", "positions", "trades", "idempotency"):
            refs.tables[name].grant_read_write_data(task.task_role)
        refs.lake.grant_read_write(task.task_role)
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=compute.cluster,
            task_definition=task,
            desired_count=config.live_desired_count,
            min_healthy_percent=0,
            max_healthy_percent=100,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            security_groups=[compute.tasks_security_group],
            assign_public_ip=False,
            vpc_subnets=ec2.SubnetSelection(subnet_type=compute.private_subnet_type),
            enable_execute_command=False,
            service_name=f"{config.prefix}-live",
        )

    def _environment(self, data: DataRefs, prefix: str) -> dict[str, str]:
        return {
            "BROKER": self.config.broker,
            "LAKE_URI": data.lake_uri,
            "TICKSTORE": self.config.tickstore,
            "ORDERS_TABLE": data.tables["orders"].table_name,
            "POSITIONS_TABLE": data.tables["positions"].table_name,
            "TRADES_TABLE": data.tables["trades"].table_name,
            "IDEMPOTENCY_TABLE": data.tables["idempotency"].table_name,
            "VYAPARI_SECRETS_BACKEND": "secretsmanager",
            "VYAPARI_SECRETS_PREFIX": f"{prefix}/",
            "DAILY_LOSS_LIMIT_INR": str(self.config.daily_loss_limit_inr),
            "POWERTOOLS_SERVICE_NAME": "vyapari-live",
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        }
