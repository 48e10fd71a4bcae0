"""Every Lambda (runtime, architecture, tracing, Powertools) and the data stack (bucket, Glue, DynamoDB)."""

from __future__ import annotations

from aws_cdk import App
from aws_cdk.assertions import Match, Template
from cdk.config import load_config
from cdk.stacks.data import CURATED_TABLES, DataStack
from tests.infrastructure.conftest import Synthesized

POWERTOOLS_ENV = ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "LOG_LEVEL")


def test_every_function_is_python312_on_arm64_with_active_tracing(synth: Synthesized) -> None:
    functions = synth.resources("AWS::Lambda::Function")
    assert len(functions) >= 17  # 12 workflow + api + 4 websocket
    for name, fn in functions.items():
        props = fn["Properties"]
        assert props["Runtime"] == "python3.12", name
        assert props["Architectures"] == ["arm64"], name
        assert props["TracingConfig"] == {"Mode": "Active"}, name
        assert props["Handler"].endswith(".handler.lambda_handler"), name


def test_every_function_has_the_powertools_environment_and_its_own_log_group(synth: Synthesized) -> None:
    for name, fn in synth.resources("AWS::Lambda::Function").items():
        variables = fn["Properties"]["Environment"]["Variables"]
        assert all(key in variables for key in POWERTOOLS_ENV), name
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "vyapari"
        assert "LoggingConfig" in fn["Properties"], name
    for name, group in synth.resources("AWS::Logs::LogGroup").items():
        assert group["Properties"].get("RetentionInDays") == 14, name


def test_the_lake_is_encrypted_versioned_private_and_tls_only(synth: Synthesized) -> None:
    data = synth.templates["data"]
    data.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": Match.any_value(),
            "VersioningConfiguration": {"Status": "Enabled"},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "LoggingConfiguration": Match.object_like({"LogFilePrefix": "lake/"}),
            "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}},
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Prefix": "raw/",
                                "Status": "Enabled",
                                "Transitions": [{"StorageClass": "GLACIER_IR", "TransitionInDays": 90}],
                            }
                        )
                    ]
                )
            },
        },
    )
    policies = synth.resources("AWS::S3::BucketPolicy")
    assert len(policies) == 2
    for name, policy in policies.items():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        ), name


def test_glue_catalogues_each_curated_dataset(synth: Synthesized) -> None:
    data = synth.templates["data"]
    data.has_resource_properties(
        "AWS::Glue::Database", {"DatabaseInput": {"Name": "vyapari_dev", "Description": Match.any_value()}}
    )
    for name in CURATED_TABLES:
        data.has_resource_properties(
            "AWS::Glue::Table",
            {
                "DatabaseName": "vyapari_dev",
                "TableInput": Match.object_like({"Name": name, "TableType": "EXTERNAL_TABLE"}),
            },
        )


def test_dynamodb_tables_for_the_api_and_live_service(synth: Synthesized) -> None:
    data = synth.templates["data"]
    for name in ("orders", "positions", "trades", "connections", "registry", "order-state"):
        data.has_resource_properties(
            "AWS::DynamoDB::GlobalTable",
            Match.object_like(
                {
                    "TableName": f"vyapari-dev-{name}",
                    "BillingMode": "PAY_PER_REQUEST",
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                }
            ),
        )
    data.has_resource_properties(
        "AWS::DynamoDB::GlobalTable",
        Match.object_like(
            {
                "TableName": "vyapari-dev-idempotency",
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
            }
        ),
    )


def test_timestream_only_with_the_context_flag(synth: Synthesized) -> None:
    synth.templates["data"].resource_count_is("AWS::Timestream::Database", 0)
    app = App(context={"tickstore": "timestream", "stage": "dev"})
    stack = DataStack(app, "TimestreamData", config=load_config(app.node))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Timestream::Database", 1)
    template.has_resource_properties("AWS::Timestream::Table", {"TableName": "ticks"})
