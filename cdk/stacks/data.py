"""Data: the lake bucket (+ its access-log bucket), the Glue catalogue, DynamoDB tables, Timestream (flag).

The lake layout is ``sdk/vyapari/data/layout.py``: ``landing/`` (downloads), ``raw/`` (originals, moved
to Glacier Instant Retrieval after 90 days), ``curated/`` (Parquet datasets below), ``quarantine/``,
``runs/`` and ``evaluations/``.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_glue as glue
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_timestream as timestream

from cdk.config import StageConfig
from constructs import Construct

# Curated datasets: (columns, partition keys), all strings/doubles/bigints as written by the sdk.
_BAR_COLUMNS = [
    ("symbol", "string"),
    ("session_date", "date"),
    ("open", "double"),
    ("high", "double"),
    ("low", "double"),
    ("close", "double"),
    ("volume", "bigint"),
]
CURATED_TABLES: dict[str, tuple[list[tuple[str, str]], list[str]]] = {
    "daily_bars": (_BAR_COLUMNS, ["exchange", "year"]),
    "fo_daily": (
        [
            *_BAR_COLUMNS,
            ("expiry", "date"),
            ("strike", "double"),
            ("option_type", "string"),
            ("open_interest", "bigint"),
        ],
        ["exchange", "year"],
    ),
    "corporate_actions": (
        [
            ("symbol", "string"),
            ("ex_date", "date"),
            ("action", "string"),
            ("ratio", "double"),
            ("amount_inr", "double"),
        ],
        ["exchange"],
    ),
    "minute_bars": (
        [
            ("bar_start_at", "timestamp"),
            ("open", "double"),
            ("high", "double"),
            ("low", "double"),
            ("close", "double"),
            ("volume", "bigint"),
        ],
        ["exchange", "symbol", "year"],
    ),
}
# DynamoDB tables keyed pk (S) / sk (S) as functions/shared/api_store.py expects. ``order_state`` holds
# the live service's order intents, kill switch and checkpoints (functions/shared/dynamo_order_store.py);
# ``login_state`` the broker login's single-use anti-forgery states (functions/shared/login_states.py).
# No Powertools idempotency table: nothing used it (manual orders are idempotent on client_order_id in
# the registry, strategy-run starts on client_token).
KEYED_TABLES = ("orders", "positions", "trades", "connections", "registry", "order_state", "login_state")
TTL_TABLES = ("connections", "login_state")  # items expire by their ``expires_at`` (epoch seconds)


def table_name(prefix: str, name: str) -> str:
    """Physical name of table ``name`` of a stage, e.g. ``vyapari-dev-order-state``."""
    return f"{prefix}-{name.replace('_', '-')}"


def table_construct_id(name: str) -> str:
    """Construct id stem of table ``name``, e.g. ``OrderState`` (``Orders`` for ``orders``)."""
    return "".join(part.title() for part in name.split("_"))


@dataclass(frozen=True)
class DataRefs:
    """The data resources as seen from another stack (imported by their deterministic names).

    Importing by name instead of passing the constructs keeps cross-stack exports out of the IAM
    policies (no lock-in of exports, and cdk-nag findings that do not depend on logical-id hashes).
    """

    lake: s3.IBucket
    tables: dict[str, dynamodb.ITable]
    lake_uri: str
    glue_database_name: str


class DataStack(Stack):
    """Storage of one stage; exposes ``lake``, ``tables`` (by short name), ``glue_database_name``.

    Physical names are deterministic (``vyapari-<stage>-lake-<account>-<region>``,
    ``vyapari-<stage>-<table>``); other stacks use :meth:`refs`.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.config = config
        removal = RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY
        self.lake_bucket_name = f"{config.prefix}-lake-{Aws.ACCOUNT_ID}-{config.region}"
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            versioned=False,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.lake = s3.Bucket(
            self,
            "Lake",
            bucket_name=self.lake_bucket_name,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="lake/",
            lifecycle_rules=self._lifecycle(),
            removal_policy=RemovalPolicy.RETAIN,
        )
        # EventBridge notifications as a plain property: ``event_bridge_enabled=True`` would add a custom
        # resource Lambda just to call PutBucketNotificationConfiguration.
        self.lake.node.default_child.add_property_override(  # type: ignore[union-attr]
            "NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled", True
        )
        self.lake_uri = f"s3://{self.lake_bucket_name}"
        self.glue_database_name = f"vyapari_{config.stage}"
        self._glue()
        self.tables = {name: self._keyed_table(name, removal) for name in KEYED_TABLES}
        self.timestream_table_arn = self._timestream() if config.tickstore == "timestream" else None

    def refs(self, scope: Construct) -> DataRefs:
        """The data resources imported into ``scope``'s stack (which then depends on this one)."""
        Stack.of(scope).add_stack_dependency(self)
        lake = s3.Bucket.from_bucket_name(scope, "LakeRef", self.lake_bucket_name)
        tables = {
            name: dynamodb.Table.from_table_name(
                scope, f"{table_construct_id(name)}TableRef", table_name(self.config.prefix, name)
            )
            for name in self.tables
        }
        return DataRefs(lake, tables, self.lake_uri, self.glue_database_name)

    @staticmethod
    def _lifecycle() -> list[s3.LifecycleRule]:
        return [
            s3.LifecycleRule(
                id="raw-to-glacier-ir",
                prefix="raw/",
                transitions=[
                    s3.Transition(
                        storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                        transition_after=Duration.days(90),
                    )
                ],
            ),
            s3.LifecycleRule(id="landing-expiry", prefix="landing/", expiration=Duration.days(30)),
            s3.LifecycleRule(
                id="old-versions",
                noncurrent_version_expiration=Duration.days(30),
                abort_incomplete_multipart_upload_after=Duration.days(7),
            ),
        ]

    def _glue(self) -> None:
        database = glue.CfnDatabase(
            self,
            "GlueDatabase",
            catalog_id=self.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.glue_database_name, description="vyapari curated datasets (Parquet in the lake)"
            ),
        )
        for name, (columns, partitions) in CURATED_TABLES.items():
            table = glue.CfnTable(
                self,
                f"Table{name.title().replace('_', '')}",
                catalog_id=self.account,
                database_name=self.glue_database_name,
                table_input=glue.CfnTable.TableInputProperty(
                    name=name,
                    table_type="EXTERNAL_TABLE",
                    parameters={"classification": "parquet", "EXTERNAL": "TRUE"},
                    partition_keys=[glue.CfnTable.ColumnProperty(name=p, type="string") for p in partitions],
                    storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                        location=f"s3://{self.lake_bucket_name}/curated/{name}/",
                        columns=[glue.CfnTable.ColumnProperty(name=c, type=t) for c, t in columns],
                        input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                        output_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                        serde_info=glue.CfnTable.SerdeInfoProperty(
                            serialization_library="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                        ),
                    ),
                ),
            )
            table.node.add_dependency(database)

    def _keyed_table(self, name: str, removal: RemovalPolicy) -> dynamodb.TableV2:
        return dynamodb.TableV2(
            self,
            f"{table_construct_id(name)}Table",
            table_name=table_name(self.config.prefix, name),
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing=dynamodb.Billing.on_demand(),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute="expires_at" if name in TTL_TABLES else None,
            removal_policy=removal,
        )

    def _timestream(self) -> str:
        """Timestream LiveAnalytics (maintenance mode since 2025-06): ``-c tickstore=timestream`` only."""
        database = timestream.CfnDatabase(self, "TickDatabase", database_name=f"vyapari_{self.config.stage}")
        table = timestream.CfnTable(
            self,
            "TickTable",
            database_name=f"vyapari_{self.config.stage}",
            table_name="ticks",
            retention_properties={
                "MemoryStoreRetentionPeriodInHours": "24",
                "MagneticStoreRetentionPeriodInDays": "365",
            },
        )
        table.node.add_dependency(database)
        return table.attr_arn
