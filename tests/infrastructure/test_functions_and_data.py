"""Every Lambda (runtime, architecture, tracing, Powertools) and the data stack (bucket, Glue, DynamoDB)."""

from __future__ import annotations

import json

from aws_cdk import App
from aws_cdk.assertions import Match, Template
from cdk.config import load_config
from cdk.stacks.data import CURATED_TABLES, DataStack
from tests.infrastructure.conftest import Synthesized, handler_of

POWERTOOLS_ENV = ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "LOG_LEVEL")


def test_every_function_is_python312_on_arm64_with_active_tracing(synth: Synthesized) -> None:
    functions = synth.resources("AWS::Lambda::Function")
    assert len(functions) >= 17  # 12 workflow + api + 4 websocket
    for name, fn in functions.items():
        props = fn["Properties"]
        if props.get("PackageType") == "Image":  # python:3.12 image, the bootstrap runs the handler
            assert props["ImageConfig"]["EntryPoint"] == ["python", "-m", "functions.image.lambda_entry"]
        else:
            assert props["Runtime"] == "python3.12", name
        assert props["Architectures"] == ["arm64"], name
        assert props["TracingConfig"] == {"Mode": "Active"}, name
        assert handler_of(props).endswith(".handler.lambda_handler"), name


HEAVY_FUNCTIONS = {"ingest_file", "apply_corporate_actions", "build_minute_bars", "register_partitions",
                   "run_backtest_item", "evaluate_strategy_run", "download_instruments", "readiness_check"}
LIGHT_FUNCTIONS = {"api", "ws_connect", "ws_default", "ws_disconnect", "ws_publish", "record_failure",
                   "list_active_runs", "download_exchange_files", "plan_backtest", "aggregate_results",
                   "publish_evaluation"}


def test_heavy_functions_are_images_of_the_one_dockerfile_and_light_ones_zips(synth: Synthesized) -> None:
    kinds: dict[str, set[str]] = {}
    images = set()
    for fn in synth.resources("AWS::Lambda::Function").values():
        props = fn["Properties"]
        directory = handler_of(props).split(".")[1]
        kinds.setdefault(directory, set()).add(props.get("PackageType", "Zip"))
        if props.get("PackageType") == "Image":
            images.add(json.dumps(props["Code"]["ImageUri"]))
            assert "Layers" not in props
    assert {d for d, k in kinds.items() if k == {"Image"}} == HEAVY_FUNCTIONS
    assert {d for d, k in kinds.items() if "Zip" in k} == LIGHT_FUNCTIONS
    assert kinds["api"] == {"Zip", "Image"}  # the market-data routes run from the image
    assert len(images) == 1  # one asset: every image function is the same build


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
    assert sorted(k.split("/")[0] for k in policies) == ["api", "api", "data", "data"]  # api: the dashboard
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
    names = {t["Properties"]["TableName"] for t in synth.resources("AWS::DynamoDB::GlobalTable").values()}
    assert "vyapari-dev-idempotency" not in names  # nothing used Powertools idempotency: not deployed


def test_timestream_only_with_the_context_flag(synth: Synthesized) -> None:
    synth.templates["data"].resource_count_is("AWS::Timestream::Database", 0)
    app = App(context={"tickstore": "timestream", "stage": "dev"})
    stack = DataStack(app, "TimestreamData", config=load_config(app.node))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Timestream::Database", 1)
    template.has_resource_properties("AWS::Timestream::Table", {"TableName": "ticks"})
