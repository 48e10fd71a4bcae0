"""API: Cognito (groups admin, trader, viewer), the REST API (Cognito authorizer on every method but
the broker login callback, throttling, access logs, X-Ray) and the WebSocket API
(``$connect``/``$disconnect``/``$default`` plus the publisher with ``execute-api:ManageConnections``).
Weekly results are served by the REST API from the lake's ``evaluations/`` keys the weekly workflow
publishes.

The REST function also reads and writes the live kill switch (``/live/kill-switch``): it gets
``ORDER_STATE_TABLE`` and may get, put and delete only the key-value items (partition ``kv``) of the
live service's order-state table, never its order intents.

The broker login callback ``GET /broker/{broker}/callback`` is the broker's browser redirect, so it has
no Cognito authorizer. It is served by its own function (same handler code) which alone may read the
broker keys and write the session secrets (``vyapari/<stage>/…``, created by the live stack and granted
here by name) and carries the broker SDK layer.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aws_cdk import Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager

from cdk.config import StageConfig
from cdk.constructs.dashboard import Dashboard
from cdk.constructs.layers import DependencyLayers
from cdk.constructs.python_function import FunctionSpec, PythonFunction, retention
from cdk.stacks.data import DataRefs, DataStack
from cdk.stacks.workflows import WorkflowsStack
from constructs import Construct

GROUPS = {
    "admin": "Everything, including user and kill-switch actions",
    "trader": "Runs and orders",
    "viewer": "Read-only",
}
WS_ROUTES = {"$connect": "ws_connect", "$disconnect": "ws_disconnect", "$default": "ws_default"}
KILL_SWITCH_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem")
KV_PARTITION = "kv"  # functions/shared/dynamo_order_store.py: the kill switch's partition
LOGIN_BROKERS = ("zerodha", "upstox")
CALLBACK_PATH = ("broker", "{broker}", "callback")
LOGIN_STATE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
MARKET_PATHS = ("exchanges", "assets", "bars")  # functions/api/routes/market.py: served from the image
ACCESS_LOG_FORMAT = apigw.AccessLogFormat.json_with_standard_fields(
    caller=False,
    http_method=True,
    ip=True,
    protocol=True,
    request_time=True,
    resource_path=True,
    response_length=True,
    status=True,
    user=True,
)


def origin_of(url: str) -> str:
    """``http://localhost:8080/callback`` -> ``http://localhost:8080`` (a CORS origin)."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"dashboardCallbackUrls: {url!r} is not an absolute URL")
    return f"{parts.scheme}://{parts.netloc}"


def ws_api_export(config: StageConfig) -> str:
    """Export name of the WebSocket API id (the live stack builds its ManageConnections ARN from it)."""
    return f"{config.prefix}-ws-api-id"


def ws_spec(directory: str) -> FunctionSpec:
    """The spec of a WebSocket function ``functions/<directory>/handler.py``."""
    return FunctionSpec(
        directory=directory,
        handler=f"functions.{directory}.handler.lambda_handler",
        memory_mb=256,
        timeout_s=10 if directory != "ws_publish" else 60,
        service="vyapari-ws",
        description=f"WebSocket {directory}",
    )


class ApiStack(Stack):
    """Exposes ``user_pool``, ``rest_api``, ``api_function``, ``login_function``, ``callback_method``,
    ``ws_api``, ``ws_stage``, ``ws_functions``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        data: DataStack,
        workflows: WorkflowsStack,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        refs = data.refs(self)
        self.config = config
        self.layers = DependencyLayers(self, "Layers", config=config)
        self._cognito()
        self.dashboard = Dashboard(self, "Dashboard", config=config, user_pool=self.user_pool,
                                   domain=self.sign_in_domain,
                                   report_origin=f"https://{data.lake_bucket_name}.s3.{config.region}.amazonaws.com")
        self.cors_origins = [f"https://{self.dashboard.distribution.distribution_domain_name}", *(
            origin_of(u) for u in config.url_list(config.dashboard_callback_urls))]
        self.api_environment = {
            "VYAPARI_API_BACKEND": "aws",
            "LAKE_URI": refs.lake_uri,
            "REGISTRY_TABLE": refs.tables["registry"].table_name,
            "ORDERS_TABLE": refs.tables["orders"].table_name,
            "POSITIONS_TABLE": refs.tables["positions"].table_name,
            "TRADES_TABLE": refs.tables["trades"].table_name,
            "CONNECTIONS_TABLE": refs.tables["connections"].table_name,
            "BACKTEST_STATE_MACHINE_ARN": workflows.machines["backtest"].state_machine.state_machine_arn,
            "COGNITO_USER_POOL_ID": self.user_pool.user_pool_id,
            "COGNITO_APP_CLIENT_ID": self.app_client.user_pool_client_id,
        }
        self._websocket(refs)
        self._rest(refs, workflows)
        self.dashboard.deploy(self.rest_api.url, self.ws_stage.url)
        CfnOutput(self, "DashboardUrl", value=self.dashboard.url,
                  description="The web dashboard (sign in as an admin, trader or viewer Cognito user)")

    def _cognito(self) -> None:
        removal = RemovalPolicy.RETAIN if self.config.retain_data else RemovalPolicy.DESTROY
        self.user_pool = cognito.UserPool(
            self,
            "Users",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            removal_policy=removal,
        )
        for name, description in GROUPS.items():
            cognito.CfnUserPoolGroup(
                self,
                f"Group{name.title()}",
                user_pool_id=self.user_pool.user_pool_id,
                group_name=name,
                description=description,
            )
        callbacks = self.config.url_list(self.config.web_callback_urls)
        o_auth = cognito.OAuthSettings(
            flows=cognito.OAuthFlows(authorization_code_grant=True, implicit_code_grant=False),
            scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
            callback_urls=callbacks,
            logout_urls=self.config.url_list(self.config.web_logout_urls) or None,
        )
        # A public client (no secret) with the authorization-code flow only: browsers use PKCE.
        # Without configured callbacks (webCallbackUrls) there is no OAuth at all, never a default URL.
        self.app_client = self.user_pool.add_client(
            "WebClient",
            auth_flows=cognito.AuthFlow(user_srp=True),
            generate_secret=False,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            o_auth=o_auth if callbacks else None,
            disable_o_auth=not callbacks,
            prevent_user_existence_errors=True,
        )
        # The hosted sign-in UI (the dashboard signs in there): cognitoDomainPrefix, else
        # vyapari-<stage>-<account id> (prefixes are unique per region across all accounts).
        prefix = self.config.cognito_domain_prefix or Fn.join("-", [self.config.prefix, Aws.ACCOUNT_ID])
        self.sign_in_domain = self.user_pool.add_domain(
            "SignInDomain", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=prefix))

    def _function(self, construct_id: str, spec: FunctionSpec, environment: dict[str, str]) -> PythonFunction:
        return PythonFunction(
            self,
            construct_id,
            spec=spec,
            layers=self.layers.for_function(spec.image),
            environment=environment,
            log_retention_days=self.config.log_retention_days,
        )

    def _websocket(self, data: DataRefs) -> None:
        env = {k: v for k, v in self.api_environment.items() if k != "BACKTEST_STATE_MACHINE_ARN"}
        self.ws_functions = {
            d: self._function(d.title().replace("_", ""), ws_spec(d), env) for d in WS_ROUTES.values()
        }
        for fn in self.ws_functions.values():
            data.tables["connections"].grant_read_write_data(fn.function)
        self.ws_api = apigwv2.WebSocketApi(
            self,
            "WebSocketApi",
            api_name=f"{self.config.prefix}-ws",
            route_selection_expression="$request.body.action",
            connect_route_options=apigwv2.WebSocketRouteOptions(
                integration=integrations.WebSocketLambdaIntegration(
                    "ConnectIntegration", self.ws_functions["ws_connect"].function
                )
            ),
            disconnect_route_options=apigwv2.WebSocketRouteOptions(
                integration=integrations.WebSocketLambdaIntegration(
                    "DisconnectIntegration", self.ws_functions["ws_disconnect"].function
                )
            ),
        )
        self.ws_api.add_route(
            "$default",
            integration=integrations.WebSocketLambdaIntegration(
                "DefaultIntegration", self.ws_functions["ws_default"].function
            ),
            return_response=True,
        )
        self.ws_stage = apigwv2.WebSocketStage(
            self,
            "WebSocketStage",
            web_socket_api=self.ws_api,
            stage_name=self.config.stage,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=self.config.api_throttle_rate, burst_limit=self.config.api_throttle_burst
            ),
        )
        ws_logs = logs.LogGroup(
            self,
            "WebSocketAccessLogs",
            retention=retention(self.config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        cfn_stage = self.ws_stage.node.default_child
        cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(  # type: ignore[union-attr]
            destination_arn=ws_logs.log_group_arn,
            format='{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
            '"routeKey":"$context.routeKey","status":"$context.status",'
            '"connectionId":"$context.connectionId","requestTime":"$context.requestTime"}',
        )
        publisher = self._function(
            "WsPublish", ws_spec("ws_publish"), {**env, "WS_ENDPOINT_URL": self.ws_stage.callback_url}
        )
        data.tables["connections"].grant_read_write_data(publisher.function)
        self.ws_stage.grant_management_api_access(publisher.function)
        self.ws_functions["ws_publish"] = publisher
        CfnOutput(self, "WebSocketUrl", value=self.ws_stage.url)
        CfnOutput(self, "WebSocketApiId", value=self.ws_api.api_id, export_name=ws_api_export(self.config))

    def _rest(self, data: DataRefs, workflows: WorkflowsStack) -> None:
        spec = FunctionSpec(
            directory="api",
            handler="functions.api.handler.lambda_handler",
            memory_mb=1024,
            timeout_s=29,
            service="vyapari-api",
            description="REST API (Powertools resolver)",
        )
        env = {**self.api_environment, "WS_ENDPOINT_URL": self.ws_stage.callback_url,
               "VYAPARI_CORS_ORIGINS": ",".join(self.cors_origins)}
        order_state = data.tables["order_state"]
        self.api_function = self._function("Api", spec, {**env, "ORDER_STATE_TABLE": order_state.table_name})
        fn = self.api_function.function
        for name in ("registry", "orders", "positions", "trades"):
            data.tables[name].grant_read_write_data(fn)
        fn.add_to_role_policy(iam.PolicyStatement(
            actions=list(KILL_SWITCH_ACTIONS),
            resources=[order_state.table_arn],
            conditions={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [KV_PARTITION]}},
        ))
        data.lake.grant_read(fn)
        workflows.machines["backtest"].state_machine.grant_start_execution(fn)
        access_logs = logs.LogGroup(
            self,
            "RestAccessLogs",
            retention=retention(self.config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        authorizer = apigw.CognitoUserPoolsAuthorizer(self, "Authorizer", cognito_user_pools=[self.user_pool])
        self.rest_api = apigw.LambdaRestApi(
            self,
            "RestApi",
            handler=fn,
            proxy=True,
            rest_api_name=f"{self.config.prefix}-api",
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.DESTROY,
            default_method_options=apigw.MethodOptions(
                authorizer=authorizer, authorization_type=apigw.AuthorizationType.COGNITO
            ),
            # Browsers ask before a cross-origin call with a token: API Gateway answers the preflight
            # (OPTIONS, no authorizer) for the dashboard's origins; the resolver adds the headers to answers.
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=self.cors_origins,
                allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
                allow_headers=["Authorization", "Content-Type"],
                max_age=Duration.minutes(10),
            ),
            deploy_options=apigw.StageOptions(
                stage_name=self.config.stage,
                tracing_enabled=True,
                throttling_rate_limit=self.config.api_throttle_rate,
                throttling_burst_limit=self.config.api_throttle_burst,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                metrics_enabled=True,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=ACCESS_LOG_FORMAT,
            ),
        )
        for kind in (apigw.ResponseType.DEFAULT_4_XX, apigw.ResponseType.DEFAULT_5_XX):
            # the authorizer's 401/403 and throttling's 429 come from API Gateway, not the resolver
            self.rest_api.add_gateway_response(
                f"Cors{kind.response_type.title().replace('_', '')}", type=kind,
                response_headers={"Access-Control-Allow-Origin": f"'{self.cors_origins[0]}'",
                                  "Vary": "'Origin'"})
        self._market(env, data)
        self._broker_login(env, data)
        CfnOutput(self, "RestApiUrl", value=self.rest_api.url)
        CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
        CfnOutput(self, "AppClientId", value=self.app_client.user_pool_client_id)

    def _market(self, env: dict[str, str], data: DataRefs) -> None:
        """The market-data routes (calendars, Parquet bars) on the same handler, from the container image.

        They need pandas, pyarrow and the exchange calendars, which the light API function is deployed
        without; API Gateway sends these paths to this function and everything else to the light one.
        """
        spec = FunctionSpec(
            directory="api",
            handler="functions.api.handler.lambda_handler",
            memory_mb=1024,
            timeout_s=29,
            image=True,
            service="vyapari-api-market",
            description="REST API market-data routes (calendars, Parquet bars)",
        )
        self.market_function = self._function("ApiMarket", spec, env)
        data.lake.grant_read(self.market_function.function)
        integration = apigw.LambdaIntegration(self.market_function.function)
        for path in MARKET_PATHS:
            self.rest_api.root.add_resource(path).add_method("GET", integration)

    def callback_url(self, broker: str) -> str:
        """The login redirect URL of ``broker`` to register with the broker (Kite console, Upstox app)."""
        return (f"https://{self.rest_api.rest_api_id}.execute-api.{self.region}.{self.url_suffix}/"
                f"{self.config.stage}/broker/{broker}/callback")

    def _broker_login(self, env: dict[str, str], data: DataRefs) -> None:
        """The unauthenticated callback resource and its own function, the only one with secret access.

        ``POST /broker/{broker}/login`` (Cognito authorizer, trader) on the same function issues the
        anti-forgery state the callback then requires; states live in the ``login-state`` table. In prod
        (``requireBrokerUserId``) a login needs the owner's broker user id in the keys secret.
        """
        spec = FunctionSpec(
            directory="api",
            handler="functions.api.handler.lambda_handler",
            memory_mb=512,
            timeout_s=29,
            service="vyapari-login",
            description="Broker login callback: exchange the daily token, store the session",
        )
        prefix = f"vyapari/{self.config.stage}"
        self.login_function = PythonFunction(
            self,
            "BrokerLogin",
            spec=spec,
            layers=[*self.layers.for_function(spec.image), self.layers.brokers()],
            environment={
                **env,
                "VYAPARI_SECRETS_PREFIX": prefix,
                "UPSTOX_REDIRECT_URI": self.callback_url("upstox"),
                "LOGIN_STATE_TABLE": data.tables["login_state"].table_name,
                "VYAPARI_REQUIRE_BROKER_USER_ID": "true" if self.config.require_broker_user_id else "false",
            },
            log_retention_days=self.config.log_retention_days,
        )
        fn = self.login_function.function
        fn.add_to_role_policy(iam.PolicyStatement(
            actions=list(LOGIN_STATE_ACTIONS), resources=[data.tables["login_state"].table_arn]))
        keys = secretsmanager.Secret.from_secret_name_v2(self, "BrokerKeysRef", f"{prefix}/broker-keys")
        keys.grant_read(fn)
        for broker in LOGIN_BROKERS:
            session = secretsmanager.Secret.from_secret_name_v2(
                self, f"{broker.title()}SessionRef", f"{prefix}/{broker}/session"
            )
            session.grant_read(fn)
            session.grant_write(fn)
        resource = self.rest_api.root
        for part in CALLBACK_PATH:
            resource = resource.add_resource(part)
        self.callback_method = resource.add_method(
            "GET",
            apigw.LambdaIntegration(fn),
            authorization_type=apigw.AuthorizationType.NONE,
            request_parameters={"method.request.path.broker": True},
        )
        self.login_start_method = resource.parent_resource.add_resource("login").add_method(  # type: ignore[union-attr]
            "POST",
            apigw.LambdaIntegration(fn),
            request_parameters={"method.request.path.broker": True},
        )
        for broker in LOGIN_BROKERS:
            CfnOutput(
                self,
                f"{broker.title()}CallbackUrl",
                value=self.callback_url(broker),
                description=f"Register as the {broker} app's redirect URL (daily login callback)",
            )
