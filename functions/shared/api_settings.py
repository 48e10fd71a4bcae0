"""Settings of the API and WebSocket functions, parsed once from the environment.

``VYAPARI_API_BACKEND`` chooses the wiring: ``aws`` (default; DynamoDB, Step Functions, S3, Cognito) or
``local`` (JSON files under ``VYAPARI_API_STATE_DIR``, HMAC tokens signed with ``VYAPARI_WS_TOKEN_SECRET``)
as used by ``vyapari api serve`` and the tests. The lake is ``LAKE_URI`` (``s3://bucket/prefix`` or a
folder), the same variable as the workflow functions' settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from vyapari.core.environment import process_environ


@dataclass(frozen=True)
class ApiSettings:
    """Environment of the API functions (empty string = not set).

    Attributes map to variables: ``backend`` ← ``VYAPARI_API_BACKEND``, ``lake_uri`` ← ``LAKE_URI``,
    ``registry_table`` ← ``REGISTRY_TABLE``, ``orders_table`` ←
    ``ORDERS_TABLE``, ``positions_table`` ← ``POSITIONS_TABLE``, ``trades_table`` ← ``TRADES_TABLE``,
    ``connections_table`` ← ``CONNECTIONS_TABLE``, ``state_machine_arn`` ← ``BACKTEST_STATE_MACHINE_ARN``,
    ``ws_endpoint_url`` ← ``WS_ENDPOINT_URL`` (``https://<api-id>.execute-api.<region>.amazonaws.com/<stage>``),
    ``user_pool_id`` ← ``COGNITO_USER_POOL_ID``, ``app_client_id`` ← ``COGNITO_APP_CLIENT_ID``,
    ``region`` ← ``AWS_REGION``, ``state_dir`` ← ``VYAPARI_API_STATE_DIR``,
    ``token_secret`` ← ``VYAPARI_WS_TOKEN_SECRET``, ``secrets_prefix`` ← ``VYAPARI_SECRETS_PREFIX``
    (``vyapari/<stage>``: where the broker login callback stores sessions in AWS), ``secrets_file`` ←
    ``VYAPARI_SECRETS_FILE`` (the local backend's 0600 secrets file), ``order_state_table`` ←
    ``ORDER_STATE_TABLE`` (the live service's order-state table: the kill switch in AWS),
    ``live_state_dir`` ← ``VYAPARI_LIVE_STATE_DIR`` (the local backend's live state folder, whose
    ``orders.sqlite`` holds the kill switch; default ``<state_dir>/live``), ``run_workers`` ←
    ``VYAPARI_RUN_WORKERS`` (the local backend's processes running strategy runs; 0, the default,
    only records starts; ``vyapari api serve`` sets 1), ``session_gate`` ← ``VYAPARI_SESSION_GATE``
    (``1``: the local backend refuses a manual order while no ``vyapari live`` session runs on the
    live state folder to take it; ``vyapari api serve`` sets it), ``login_state_table`` ←
    ``LOGIN_STATE_TABLE`` (the broker login's anti-forgery states in AWS; locally ``<state_dir>``),
    ``require_broker_user_id`` ← ``VYAPARI_REQUIRE_BROKER_USER_ID`` (``true`` in prod: a broker login
    needs ``KITE_USER_ID`` / ``UPSTOX_USER_ID``), ``cors_origins`` ← ``VYAPARI_CORS_ORIGINS`` (comma-separated
    origins allowed to call the API from a browser: the dashboard's CloudFront URL in AWS).
    """

    backend: str = "aws"
    lake_uri: str = "lake"
    registry_table: str = ""
    orders_table: str = ""
    positions_table: str = ""
    trades_table: str = ""
    connections_table: str = ""
    state_machine_arn: str = ""
    ws_endpoint_url: str = ""
    user_pool_id: str = ""
    app_client_id: str = ""
    region: str = ""
    state_dir: str = ""
    token_secret: str = ""
    secrets_prefix: str = ""
    secrets_file: str = ""
    order_state_table: str = ""
    live_state_dir: str = ""
    run_workers: str = "0"
    session_gate: str = ""
    login_state_table: str = ""
    require_broker_user_id: str = ""
    cors_origins: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ApiSettings:
        """Settings from ``env`` (default: the environment over ``.env``).

        ``backend`` must be ``aws`` or ``local``."""
        env = process_environ() if env is None else env
        values = {f.name: env.get(_VARIABLES[f.name], f.default) for f in fields(cls)}
        settings = cls(**values)  # type: ignore[arg-type]
        if settings.backend not in ("aws", "local"):
            raise ValueError(f"VYAPARI_API_BACKEND: {settings.backend!r} is not aws or local")
        return settings

    @property
    def requires_broker_user_id(self) -> bool:
        """Whether a broker login must name the owner's account (``VYAPARI_REQUIRE_BROKER_USER_ID``)."""
        return self.require_broker_user_id.strip().lower() in ("1", "true", "yes")

    def need(self, name: str) -> str:
        """The value of setting ``name``; ``ValueError`` naming its variable when it is empty."""
        value = str(getattr(self, name))
        if not value:
            raise ValueError(f"{_VARIABLES[name]} is not set")
        return value


_VARIABLES = {
    "backend": "VYAPARI_API_BACKEND", "lake_uri": "LAKE_URI",
    "registry_table": "REGISTRY_TABLE", "orders_table": "ORDERS_TABLE", "positions_table": "POSITIONS_TABLE",
    "trades_table": "TRADES_TABLE", "connections_table": "CONNECTIONS_TABLE",
    "state_machine_arn": "BACKTEST_STATE_MACHINE_ARN", "ws_endpoint_url": "WS_ENDPOINT_URL",
    "user_pool_id": "COGNITO_USER_POOL_ID", "app_client_id": "COGNITO_APP_CLIENT_ID", "region": "AWS_REGION",
    "state_dir": "VYAPARI_API_STATE_DIR",
    "token_secret": "VYAPARI_WS_TOKEN_SECRET",
    "secrets_prefix": "VYAPARI_SECRETS_PREFIX", "secrets_file": "VYAPARI_SECRETS_FILE",
    "order_state_table": "ORDER_STATE_TABLE", "live_state_dir": "VYAPARI_LIVE_STATE_DIR",
    "run_workers": "VYAPARI_RUN_WORKERS", "session_gate": "VYAPARI_SESSION_GATE",
    "login_state_table": "LOGIN_STATE_TABLE", "require_broker_user_id": "VYAPARI_REQUIRE_BROKER_USER_ID",
    "cors_origins": "VYAPARI_CORS_ORIGINS",
}
