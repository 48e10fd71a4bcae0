"""API (Cognito on every REST method, throttling, logs, WebSocket), live service, egress IP, alarms."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match
from tests.infrastructure.conftest import Synthesized


def test_every_rest_method_uses_the_cognito_authorizer(synth: Synthesized) -> None:
    api = synth.templates["api"]
    api.resource_count_is("AWS::ApiGateway::Authorizer", 1)
    api.has_resource_properties("AWS::ApiGateway::Authorizer", {"Type": "COGNITO_USER_POOLS"})
    methods = synth.resources("AWS::ApiGateway::Method")
    assert len(methods) >= 2
    for name, method in methods.items():
        assert method["Properties"]["AuthorizationType"] == "COGNITO_USER_POOLS", name
        assert "Ref" in method["Properties"]["AuthorizerId"], name


def test_cognito_has_the_three_role_groups(synth: Synthesized) -> None:
    groups = {g["Properties"]["GroupName"] for g in synth.resources("AWS::Cognito::UserPoolGroup").values()}
    assert groups == {"admin", "trader", "viewer"}


def test_rest_stage_is_throttled_traced_and_access_logged(synth: Synthesized) -> None:
    synth.templates["api"].has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "dev",
            "TracingEnabled": True,
            "AccessLogSetting": Match.object_like({"DestinationArn": Match.any_value()}),
            "MethodSettings": Match.array_with(
                [Match.object_like({"ThrottlingRateLimit": 20, "ThrottlingBurstLimit": 40})]
            ),
        },
    )


def test_websocket_routes_and_the_publisher_can_manage_connections(synth: Synthesized) -> None:
    api = synth.templates["api"]
    routes = {r["Properties"]["RouteKey"] for r in synth.resources("AWS::ApiGatewayV2::Route").values()}
    assert routes == {"$connect", "$disconnect", "$default"}
    api.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {"AccessLogSettings": Match.object_like({"DestinationArn": Match.any_value()})},
    )
    statements = [
        s
        for p in synth.resources("AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert any(s["Action"] == "execute-api:ManageConnections" for s in statements)
    publisher = next(
        f
        for f in synth.resources("AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == "functions.ws_publish.handler.lambda_handler"
    )
    assert "WS_ENDPOINT_URL" in publisher["Properties"]["Environment"]["Variables"]


def test_egress_ip_output_is_the_single_nat_gateway_eip(synth: Synthesized) -> None:
    compute = synth.templates["compute"]
    compute.resource_count_is("AWS::EC2::NatGateway", 1)
    compute.resource_count_is("AWS::EC2::EIP", 1)
    eip_id = next(iter(compute.find_resources("AWS::EC2::EIP")))
    nat = next(iter(compute.find_resources("AWS::EC2::NatGateway").values()))
    assert nat["Properties"]["AllocationId"] == {"Fn::GetAtt": [eip_id, "AllocationId"]}
    compute.has_output("EgressIp", {"Value": {"Fn::GetAtt": [eip_id, "PublicIp"]}})


def test_one_container_image_asset_for_backtests_and_live(synth: Synthesized) -> None:
    images = {
        json.dumps(c["Image"])
        for t in synth.resources("AWS::ECS::TaskDefinition").values()
        for c in t["Properties"]["ContainerDefinitions"]
    }
    assert len(images) == 1
    backtest = synth.templates["compute"]
    backtest.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "Family": "vyapari-dev-backtest",
            "RuntimePlatform": {"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"},
            "ContainerDefinitions": [
                Match.object_like(
                    {"Name": "backtest", "EntryPoint": ["python", "-m", "functions.run_backtest_task"]}
                )
            ],
        },
    )


def test_live_service_is_one_self_healing_task_with_broker_secrets(synth: Synthesized) -> None:
    live = synth.templates["live"]
    live.has_resource_properties(
        "AWS::ECS::Service",
        {
            "DesiredCount": 1,
            "LaunchType": "FARGATE",
            "DeploymentConfiguration": Match.object_like(
                {
                    "MinimumHealthyPercent": 0,
                    "MaximumPercent": 100,
                    "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
                }
            ),
            "NetworkConfiguration": {
                "AwsvpcConfiguration": Match.object_like({"AssignPublicIp": "DISABLED"})
            },
        },
    )
    container = next(iter(live.find_resources("AWS::ECS::TaskDefinition").values()))["Properties"][
        "ContainerDefinitions"
    ][0]
    assert container["StopTimeout"] == 120
    assert container["Command"][0] == "live"
    secrets = {s["Name"] for s in container["Secrets"]}
    assert {
        "KITE_API_KEY",
        "KITE_API_SECRET",
        "UPSTOX_API_KEY",
        "UPSTOX_API_SECRET",
        "BROKER_ACCESS_TOKEN",
    } <= secrets
    names = {s["Properties"]["Name"] for s in synth.resources("AWS::SecretsManager::Secret").values()}
    assert names == {"vyapari/dev/broker-keys", "vyapari/dev/paper/session"}


def test_alarms_page_through_one_topic(synth: Synthesized) -> None:
    monitoring = synth.templates["monitoring"]
    monitoring.resource_count_is("AWS::SNS::Topic", 1)
    alarms = {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in synth.resources("AWS::CloudWatch::Alarm").values()
    }
    assert set(alarms) == {
        f"vyapari-dev-{n}"
        for n in (
            "ingestion-failed",
            "backtest-failed",
            "weekly-evaluation-failed",
            "ingestion-rejected",
            "api-5xx",
            "live-down",
            "daily-loss-limit",
        )
    }
    for alarm in alarms.values():
        assert len(alarm["AlarmActions"]) == 1
    assert alarms["vyapari-dev-live-down"]["MetricName"] == "RunningTaskCount"
    assert alarms["vyapari-dev-live-down"]["ComparisonOperator"] == "LessThanThreshold"
    assert alarms["vyapari-dev-daily-loss-limit"]["Namespace"] == "vyapari"
    assert alarms["vyapari-dev-api-5xx"]["MetricName"] == "5XXError"


def test_dashboard_shows_pipeline_api_orders_pnl_and_badges(synth: Synthesized) -> None:
    dashboard = next(iter(synth.resources("AWS::CloudWatch::Dashboard").values()))
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for text in (
        "RowsIngested",
        "WorkflowFailuresQuarantined",
        "ExecutionsFailed",
        "ExecutionTime",
        "Latency",
        "OrdersPlaced",
        "OrdersRejected",
        "OrderLatencyMs",
        "LivePnlInr",
        "WeeklyBadge",
    ):
        assert text in body, text
