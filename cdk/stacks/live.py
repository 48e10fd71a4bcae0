"""Live: the long-lived Fargate service (one task, replaced when it fails), its broker secrets and the
two pre-open functions.

The container runs ``python -m functions.live_service live --broker … --strategy … --symbols …``:
``vyapari live`` with the AWS ports (order state in the ``order-state`` DynamoDB table, the broker
session read from Secrets Manager while running, updates to the WebSocket channels, EMF metrics on
stdout). Only the broker *keys* are injected as ECS secrets at task start; the daily session is
re-read by the running service (at most ``SECRETS_MAX_AGE_S`` after the login callback wrote it),
so the morning login needs no restart. Traffic leaves through the NAT's static ``EgressIp``.

Pre-open (EventBridge Scheduler, Asia/Kolkata, weekdays):
  ``download_instruments`` at 08:20: the brokers' instrument dumps become today's lake snapshots (a bad
      download keeps yesterday's, emits ``instruments_snapshot_failed`` and fails the invocation);
  ``readiness_check`` at 08:45, in the private subnets (so its egress-IP check sees the NAT's address):
      the sdk's suite against the lake, the session secret and the order-state table; emits ``ready``
      and one metric per failed error name.

Secrets (JSON):
  ``vyapari/<stage>/broker-keys``
      {"KITE_API_KEY", "KITE_API_SECRET", "UPSTOX_API_KEY", "UPSTOX_API_SECRET",
       "KITE_USER_ID", "UPSTOX_USER_ID"} (the user ids are optional: when set, the login callback
      refuses a session of another account)
  ``vyapari/<stage>/<broker>/session`` for zerodha and upstox
      {"access_token", "issued_at", "valid_until", "user_id", "broker"} (written by the login)
"""

from __future__ import annotations

import json

from aws_cdk import Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager

from cdk.config import StageConfig
from cdk.constructs.layers import DependencyLayers
from cdk.constructs.python_function import METRICS_NAMESPACE, FunctionSpec, retention
from cdk.constructs.scheduled_function import ScheduledFunction
from cdk.stacks.api import ApiStack, ws_api_export
from cdk.stacks.compute import ComputeStack
from cdk.stacks.data import DataRefs, DataStack
from constructs import Construct

RECORD_TABLES = ("orders", "positions", "trades")
"""Tables of the API's order, position and trade records, written by the live service."""
KEY_FIELDS = ("KITE_API_KEY", "KITE_API_SECRET", "UPSTOX_API_KEY", "UPSTOX_API_SECRET")
OPTIONAL_KEY_FIELDS = ("KITE_USER_ID", "UPSTOX_USER_ID")
SESSION_FIELDS = ("broker", "access_token", "issued_at", "valid_until", "user_id")
SESSION_BROKERS = ("zerodha", "upstox")
LIVE_CONTAINER = "live"
LIVE_ENTRYPOINT = ["python", "-m", "functions.live_service"]
# the task's scratch space (metrics, the fills log); order state and the paper journal are in DynamoDB
LIVE_STATE_DIR = "/tmp/vyapari-live"
STOP_TIMEOUT = Duration.seconds(120)  # Fargate's maximum: time to cancel open orders and flush state
SECRETS_MAX_AGE_S = 30
# Kite builds its dump around 08:00 IST; the readiness check runs before the 09:00 pre-open session.
PREOPEN_SCHEDULES = {
    "download_instruments": "cron(20 8 ? * MON-FRI *)",
    "readiness_check": "cron(45 8 ? * MON-FRI *)",
}
INSTRUMENT_PREFIXES = ("raw/instruments-", "curated/instruments/", "quarantine/instruments-")


def secrets_prefix(config: StageConfig) -> str:
    """``vyapari/<stage>``: the prefix of every secret of the stage."""
    return f"vyapari/{config.stage}"


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
    """Exposes ``service``, ``task``, ``broker_keys``, ``session_secrets`` (by broker) and ``preopen``
    (name -> :class:`ScheduledFunction`)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        data: DataStack,
        compute: ComputeStack,
        api: ApiStack,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        refs = data.refs(self)
        self.add_stack_dependency(api)
        self.config = config
        self.compute = compute
        prefix = secrets_prefix(config)
        self.broker_keys = _placeholder_secret(
            self,
            "BrokerKeys",
            f"{prefix}/broker-keys",
            KEY_FIELDS + OPTIONAL_KEY_FIELDS,
            "Broker API keys and secrets (set by the user)",
        )
        self.session_secrets = {
            broker: _placeholder_secret(
                self,
                f"{broker.title()}Session",
                f"{prefix}/{broker}/session",
                SESSION_FIELDS,
                f"Daily {broker} session written by the login callback (or vyapari login)",
            )
            for broker in SESSION_BROKERS
        }
        self.task = self._task(refs, api)
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=compute.cluster,
            task_definition=self.task,
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
        self.preopen = self._preopen(refs)

    def _task(self, refs: DataRefs, api: ApiStack) -> ecs.FargateTaskDefinition:
        config = self.config
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
        task.add_container(
            LIVE_CONTAINER,
            container_name=LIVE_CONTAINER,
            image=ecs.ContainerImage.from_docker_image_asset(self.compute.image),
            entry_point=LIVE_ENTRYPOINT,
            command=["live", "--broker", config.broker, "--strategy", config.live_strategy,
                     "--symbols", config.live_symbols, "--state-dir", LIVE_STATE_DIR],
            environment=self._environment(refs, api),
            secrets={field: ecs.Secret.from_secrets_manager(self.broker_keys, field) for field in KEY_FIELDS},
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
        role = task.task_role
        if config.broker in self.session_secrets:
            self.session_secrets[config.broker].grant_read(role)  # read only: the login writes it
        refs.tables["order_state"].grant_read_write_data(role)
        refs.tables["connections"].grant_read_write_data(role)  # fan-out drops stale connections
        for name in RECORD_TABLES:  # order, trade and position records the API reads
            refs.tables[name].grant(role, "dynamodb:GetItem", "dynamodb:PutItem")
        # POST /orders leaves manual orders in the orders table's inbox; the service takes them off
        refs.tables["orders"].grant(role, "dynamodb:Query", "dynamodb:DeleteItem")
        role.add_to_principal_policy(self.manage_connections())
        refs.lake.grant_read_write(role)
        return task

    def manage_connections(self) -> iam.PolicyStatement:
        """``execute-api:ManageConnections`` (POST to connections) on the stage's WebSocket API."""
        arn = self.format_arn(
            service="execute-api",
            resource=Fn.import_value(ws_api_export(self.config)),
            resource_name=f"{self.config.stage}/POST/@connections/*",
        )
        return iam.PolicyStatement(actions=["execute-api:ManageConnections"], resources=[arn])

    def _environment(self, data: DataRefs, api: ApiStack) -> dict[str, str]:
        return {
            "BROKER": self.config.broker,
            "PAPER_FEED": self.config.paper_feed,  # [feed] paper orders on a broker's live ticks
            "LAKE_URI": data.lake_uri,
            "TICKSTORE": self.config.tickstore,
            "ORDER_STATE_TABLE": data.tables["order_state"].table_name,
            "CONNECTIONS_TABLE": data.tables["connections"].table_name,
            **{f"{name.upper()}_TABLE": data.tables[name].table_name for name in RECORD_TABLES},
            "WS_ENDPOINT_URL": api.ws_stage.callback_url,
            "VYAPARI_SECRETS_PREFIX": secrets_prefix(self.config),
            "SECRETS_MAX_AGE_S": str(SECRETS_MAX_AGE_S),
            "REGISTERED_EGRESS_IP": self.compute.egress_ip,
            "DAILY_LOSS_LIMIT_INR": str(self.config.daily_loss_limit_inr),
            "POWERTOOLS_SERVICE_NAME": "vyapari-live",
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        }

    def _preopen(self, refs: DataRefs) -> dict[str, ScheduledFunction]:
        config, prefix = self.config, secrets_prefix(self.config)
        layers = DependencyLayers(self, "Layers", config=config)
        environment = {
            "LAKE_URI": refs.lake_uri,
            "BROKER": config.broker,
            "ORDER_STATE_TABLE": refs.tables["order_state"].table_name,
            "VYAPARI_SECRETS_PREFIX": prefix,
            "REGISTERED_EGRESS_IP": self.compute.egress_ip,
        }
        jobs: dict[str, ScheduledFunction] = {}
        for name, expression in PREOPEN_SCHEDULES.items():
            spec = FunctionSpec(
                directory=name,
                handler=f"functions.{name}.handler.lambda_handler",
                memory_mb=1024 if name == "download_instruments" else 512,
                timeout_s=300 if name == "download_instruments" else 60,
                image=True,
                service="vyapari-instruments" if name == "download_instruments" else "vyapari-readiness",
                description=f"Pre-open: {name.replace('_', ' ')}",
            )
            network = {}
            if name == "readiness_check":
                network = {
                    "vpc": self.compute.vpc,
                    "vpc_subnets": ec2.SubnetSelection(subnet_type=self.compute.private_subnet_type),
                    "security_groups": [self.compute.tasks_security_group],
                }
            jobs[name] = ScheduledFunction(
                self,
                "".join(part.title() for part in name.split("_")),
                spec=spec,
                layers=layers.for_function(spec.image),
                schedule_name=f"{config.prefix}-{name.replace('_', '-')}",
                expression=expression,
                environment=environment,
                schedule_input={"time": "<aws.scheduler.scheduled-time>"},
                retry_attempts=2 if name == "download_instruments" else 0,
                log_retention_days=config.log_retention_days,
                **network,
            )
        self._grant_preopen(refs, jobs)
        return jobs

    def _grant_preopen(self, refs: DataRefs, jobs: dict[str, ScheduledFunction]) -> None:
        """Instrument snapshots: their lake prefixes, the keys and Kite session (for the dump's
        authorization header). Readiness: the lake (read), the session, the order state (read)."""
        download = jobs["download_instruments"].function.function
        for key_prefix in INSTRUMENT_PREFIXES:
            refs.lake.grant_read(download, f"{key_prefix}*")
            refs.lake.grant_put(download, f"{key_prefix}*")
        self.broker_keys.grant_read(download)
        self.session_secrets["zerodha"].grant_read(download)
        ready = jobs["readiness_check"].function.function
        refs.lake.grant_read(ready)
        refs.tables["order_state"].grant_read_data(ready)
        if self.config.broker in self.session_secrets:
            self.session_secrets[self.config.broker].grant_read(ready)
