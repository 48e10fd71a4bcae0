"""API (Cognito on every REST method, throttling, logs, WebSocket), live service, egress IP, alarms."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match
from tests.infrastructure.conftest import Synthesized, handler_of


def _callback_method_id(synth: Synthesized) -> str:
    api = synth.stacks["api"]
    return f"api/{api.resolve(api.get_logical_id(api.callback_method.node.default_child))}"


def test_every_rest_method_but_the_login_callback_uses_the_cognito_authorizer(synth: Synthesized) -> None:
    api = synth.templates["api"]
    api.resource_count_is("AWS::ApiGateway::Authorizer", 1)
    api.has_resource_properties("AWS::ApiGateway::Authorizer", {"Type": "COGNITO_USER_POOLS"})
    methods = synth.resources("AWS::ApiGateway::Method")
    callback = methods.pop(_callback_method_id(synth))
    preflights = {k: m for k, m in methods.items() if m["Properties"]["HttpMethod"] == "OPTIONS"}
    for name, method in preflights.items():  # CORS preflight: API Gateway answers it (MOCK), no function
        assert method["Properties"]["Integration"]["Type"] == "MOCK", name
        methods.pop(name)
    assert len(methods) >= 2
    for name, method in methods.items():
        assert method["Properties"]["AuthorizationType"] == "COGNITO_USER_POOLS", name
        assert "Ref" in method["Properties"]["AuthorizerId"], name
    assert callback["Properties"]["HttpMethod"] == "GET"
    assert callback["Properties"]["AuthorizationType"] == "NONE"
    assert "AuthorizerId" not in callback["Properties"]


def _policy_statements(template: dict, role_logical_id: str) -> list[dict]:
    """Every statement of the inline policies attached to one role."""
    return [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy"
        and {"Ref": role_logical_id} in resource["Properties"].get("Roles", [])
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def _resources(statements: list[dict], action: str) -> list[str]:
    """The resources (as JSON text) the statements allow ``action`` on, one entry per resource."""
    out = []
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if action in actions:
            resources = statement["Resource"]
            out += [json.dumps(r) for r in (resources if isinstance(resources, list) else [resources])]
    return out


def _actions(statements: list[dict]) -> set[str]:
    out: set[str] = set()
    for statement in statements:
        actions = statement["Action"]
        out |= {actions} if isinstance(actions, str) else set(actions)
    return out


def _function_role(template: dict, handler: str, service: str | None = None) -> str:
    for resource in template["Resources"].values():
        props = resource["Properties"]
        if resource["Type"] == "AWS::Lambda::Function" and handler_of(props) == handler and (
            service is None or props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == service
        ):
            return str(props["Role"]["Fn::GetAtt"][0])
    raise AssertionError(f"no function {handler} ({service})")


def test_login_callback_has_its_own_function_with_the_secrets_and_broker_layer(synth: Synthesized) -> None:
    api = synth.json("api")
    callback = synth.resources("AWS::ApiGateway::Method")[_callback_method_id(synth)]
    uri = json.dumps(callback["Properties"]["Integration"]["Uri"])
    login = next(
        logical_id
        for logical_id, r in api["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"].get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME")
        == "vyapari-login"
    )
    assert login in uri
    variables = api["Resources"][login]["Properties"]["Environment"]["Variables"]
    assert variables["VYAPARI_SECRETS_PREFIX"] == "vyapari/dev"
    assert "broker/upstox/callback" in json.dumps(variables["UPSTOX_REDIRECT_URI"])
    assert len(api["Resources"][login]["Properties"]["Layers"]) == 2  # common, brokers (a zip function)
    handler = "functions.api.handler.lambda_handler"
    login_statements = _policy_statements(api, _function_role(api, handler, "vyapari-login"))
    assert {"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"} <= _actions(login_statements)
    secrets = _resources(login_statements, "secretsmanager:GetSecretValue")
    assert len(secrets) == 3
    for name in ("broker-keys", "zerodha/session", "upstox/session"):
        assert any(f"secret:vyapari/dev/{name}-??????" in s for s in secrets), name
    written = _resources(login_statements, "secretsmanager:PutSecretValue")
    assert len(written) == 2 and not any("broker-keys" in s for s in written)
    api_actions = _actions(_policy_statements(api, _function_role(api, handler, "vyapari-api")))
    assert not any(a.startswith("secretsmanager:") for a in api_actions)


def test_the_login_states_live_in_their_table_and_a_trader_starts_the_login(synth: Synthesized) -> None:
    api = synth.json("api")
    handler = "functions.api.handler.lambda_handler"
    role = _function_role(api, handler, "vyapari-login")
    login_id, login = next((i, r) for i, r in api["Resources"].items() if r["Type"] == "AWS::Lambda::Function"
                           and r["Properties"]["Role"]["Fn::GetAtt"][0] == role)
    variables = login["Properties"]["Environment"]["Variables"]
    assert variables["LOGIN_STATE_TABLE"] == "vyapari-dev-login-state"
    assert variables["VYAPARI_REQUIRE_BROKER_USER_ID"] == "false"  # dev; prod: test_config
    statements = _policy_statements(api, role)
    for action in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"):
        (table,) = _resources(statements, action)
        assert "table/vyapari-dev-login-state" in table, action
    assert "dynamodb:DeleteItem" not in _actions(statements) and "dynamodb:Scan" not in _actions(statements)
    synth.templates["data"].has_resource_properties("AWS::DynamoDB::GlobalTable", {
        "TableName": "vyapari-dev-login-state",
        "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True}})
    methods = synth.resources("AWS::ApiGateway::Method").values()
    (start,) = [m for m in methods if m["Properties"]["HttpMethod"] == "POST"
                and "login" in json.dumps(m["Properties"]["ResourceId"])]
    assert start["Properties"]["AuthorizationType"] == "COGNITO_USER_POOLS"
    assert login_id in json.dumps(start["Properties"]["Integration"]["Uri"])


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
        if handler_of(f["Properties"]) == "functions.ws_publish.handler.lambda_handler"
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
    assert container["EntryPoint"] == ["python", "-m", "functions.live_service"]
    assert container["Command"][0] == "live"
    secrets = {s["Name"] for s in container["Secrets"]}
    assert secrets == {"KITE_API_KEY", "KITE_API_SECRET", "UPSTOX_API_KEY", "UPSTOX_API_SECRET"}
    variables = {v["Name"]: v["Value"] for v in container["Environment"]}
    assert variables["VYAPARI_SECRETS_PREFIX"] == "vyapari/dev"
    wanted = {"ORDER_STATE_TABLE", "CONNECTIONS_TABLE", "WS_ENDPOINT_URL", "REGISTERED_EGRESS_IP",
              "ORDERS_TABLE", "POSITIONS_TABLE", "TRADES_TABLE"}
    assert wanted <= set(variables)
    assert variables["ORDERS_TABLE"] == "vyapari-dev-orders"
    names = {s["Properties"]["Name"] for s in synth.resources("AWS::SecretsManager::Secret").values()}
    assert names == {"vyapari/dev/broker-keys", "vyapari/dev/zerodha/session", "vyapari/dev/upstox/session"}


def test_live_task_role_reads_the_session_and_writes_the_order_state(synth: Synthesized) -> None:
    from aws_cdk.assertions import Template
    from cdk.app import build_app, make_app

    prod = dict(Template.from_stack(build_app(make_app({"stage": "prod"}))["live"]).to_json())  # zerodha
    task = next(r for r in prod["Resources"].values() if r["Type"] == "AWS::ECS::TaskDefinition")
    statements = _policy_statements(prod, task["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0])
    actions = _actions(statements)
    assert "secretsmanager:GetSecretValue" in actions and "secretsmanager:PutSecretValue" not in actions
    session = [s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
    assert len(session) == 1 and "ZerodhaSession" in json.dumps(session[0]["Resource"])
    assert {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem",
            "dynamodb:UpdateItem"} <= actions
    assert any("vyapari-prod-order-state" in json.dumps(s["Resource"]) for s in statements)
    assert "execute-api:ManageConnections" in actions
    for table in ("positions", "trades"):  # the API's records: written, never deleted
        [records] = [s for s in statements if f"vyapari-prod-{table}" in json.dumps(s["Resource"])]
        assert sorted(records["Action"]) == ["dynamodb:GetItem", "dynamodb:PutItem"]
    orders = {a for s in statements if "vyapari-prod-orders" in json.dumps(s["Resource"])
              for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert orders == {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"}


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
            "fills-upload-failed",
            "early-fill-failed",
            "kill-switch-unread",
            "not-ready",
            "instruments-snapshot-failed",
            "preopen-errors",
        )
    }
    for alarm in alarms.values():
        assert len(alarm["AlarmActions"]) == 1
    assert alarms["vyapari-dev-live-down"]["MetricName"] == "RunningTaskCount"
    assert alarms["vyapari-dev-live-down"]["ComparisonOperator"] == "LessThanThreshold"
    assert alarms["vyapari-dev-daily-loss-limit"]["Namespace"] == "vyapari"
    assert alarms["vyapari-dev-daily-loss-limit"]["MetricName"] == "daily_loss_breaches_total"
    upload = alarms["vyapari-dev-fills-upload-failed"]
    assert (upload["MetricName"], upload["Dimensions"]) == (
        "fills_upload_errors_total", [{"Name": "service", "Value": "vyapari-live"}])
    early = alarms["vyapari-dev-early-fill-failed"]
    assert (early["MetricName"], early["Dimensions"]) == (
        "early_fill_errors_total", [{"Name": "service", "Value": "vyapari-live"}])
    unread = alarms["vyapari-dev-kill-switch-unread"]
    assert (unread["MetricName"], unread["Dimensions"]) == (
        "kill_switch_read_errors_total", [{"Name": "service", "Value": "vyapari-live"}])
    not_ready = alarms["vyapari-dev-not-ready"]
    assert (not_ready["MetricName"], not_ready["Threshold"], not_ready["ComparisonOperator"]) == (
        "ready", 1, "LessThanThreshold")
    assert {"Name": "service", "Value": "vyapari-readiness"} in not_ready["Dimensions"]
    snapshot = alarms["vyapari-dev-instruments-snapshot-failed"]
    assert (snapshot["MetricName"], snapshot["Statistic"], snapshot["Threshold"]) == (
        "instruments_snapshot_failed", "Sum", 1)
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
        "orders_total",
        "order_rejects_total",
        "order_latency_seconds",
        "pnl_inr",
        "WeeklyBadge",
        "instruments_snapshot_failed",
        "Latest readiness reports",
        "vyapari-readiness",
    ):
        assert text in body, text


def _live_function(synth: Synthesized, directory: str) -> tuple[str, dict]:
    live = synth.json("live")
    handler = f"functions.{directory}.handler.lambda_handler"
    return next(
        (logical_id, r["Properties"])
        for logical_id, r in live["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function" and handler_of(r["Properties"]) == handler
    )


def test_preopen_functions_are_scheduled_on_weekday_mornings_in_asia_kolkata(synth: Synthesized) -> None:
    schedules = {
        s["Properties"]["Name"]: s["Properties"]
        for s in synth.templates["live"].find_resources("AWS::Scheduler::Schedule").values()
    }
    assert {n: s["ScheduleExpression"] for n, s in schedules.items()} == {
        "vyapari-dev-download-instruments": "cron(20 8 ? * MON-FRI *)",
        "vyapari-dev-readiness-check": "cron(45 8 ? * MON-FRI *)",
    }
    for name, schedule in schedules.items():
        directory = name.removeprefix("vyapari-dev-").replace("-", "_")
        logical_id, _ = _live_function(synth, directory)
        assert schedule["ScheduleExpressionTimezone"] == "Asia/Kolkata"
        assert schedule["Target"]["Arn"] == {"Fn::GetAtt": [logical_id, "Arn"]}
        assert json.loads(schedule["Target"]["Input"]) == {"time": "<aws.scheduler.scheduled-time>"}


def test_preopen_grants_are_least_privilege(synth: Synthesized) -> None:
    live = synth.json("live")
    _, download = _live_function(synth, "download_instruments")
    _, ready = _live_function(synth, "readiness_check")
    download_statements = _policy_statements(live, download["Role"]["Fn::GetAtt"][0])
    written = _resources(download_statements, "s3:PutObject")
    prefixes = sorted(r.split("-ap-south-1/", 1)[1].split('"')[0] for r in written)
    assert prefixes == ["curated/instruments/*", "quarantine/instruments-*", "raw/instruments-*"]
    assert not any(a.startswith("dynamodb:") for a in _actions(download_statements))
    ready_actions = _actions(_policy_statements(live, ready["Role"]["Fn::GetAtt"][0]))
    assert "dynamodb:GetItem" in ready_actions and "dynamodb:PutItem" not in ready_actions
    assert not any(a.startswith("s3:Put") or a.startswith("s3:Delete") for a in ready_actions)
    assert ready["VpcConfig"]["SubnetIds"] and ready["VpcConfig"]["SecurityGroupIds"]
    assert "REGISTERED_EGRESS_IP" in ready["Environment"]["Variables"]
    assert download["Environment"]["Variables"]["VYAPARI_SECRETS_PREFIX"] == "vyapari/dev"


def test_the_web_client_uses_the_code_flow_with_callbacks_from_configuration(synth: Synthesized) -> None:
    clients = synth.resources("AWS::Cognito::UserPoolClient").values()
    [client] = [c for c in clients if c["Properties"].get("ClientName") != "vyapari-dev-dashboard"]
    props = client["Properties"]
    assert props["AllowedOAuthFlows"] == ["code"]  # no implicit flow; a public client, so PKCE
    assert props["AllowedOAuthFlowsUserPoolClient"] is True
    assert props["CallbackURLs"] == ["http://localhost:8000/callback"]  # cdk.json's dev stage
    assert "https://example.com" not in json.dumps(props)
    assert props["GenerateSecret"] is False
