"""Per-stage configuration read from the CDK context (``cdk.json`` and ``-c key=value``).

Stages live under the ``stages`` context key; ``-c stage=dev|prod`` selects one and any single value
can be overridden on the command line with the same camelCase name, e.g. ``-c liveDesiredCount=0``.
Other flags: ``-c tickstore=parquet|timestream`` (Timestream LiveAnalytics tables only when asked),
``-c nag=1`` (run cdk-nag's AwsSolutions checks), ``-c requireLayers=1`` (fail synth when
``make layers`` has not run).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

from constructs import Node

Stage = Literal["dev", "prod"]
TickStore = Literal["parquet", "timestream"]
STAGES: tuple[str, ...] = ("dev", "prod")
TICKSTORES: tuple[str, ...] = ("parquet", "timestream")

# camelCase context key -> StageConfig attribute (and the attribute's type for command-line strings).
_STAGE_KEYS: dict[str, str] = {
    "region": "region",
    "logRetentionDays": "log_retention_days",
    "apiThrottleRate": "api_throttle_rate",
    "apiThrottleBurst": "api_throttle_burst",
    "liveDesiredCount": "live_desired_count",
    "liveCpu": "live_cpu",
    "liveMemoryMiB": "live_memory_mib",
    "backtestCpu": "backtest_cpu",
    "backtestMemoryMiB": "backtest_memory_mib",
    "dailyLossLimitInr": "daily_loss_limit_inr",
    "broker": "broker",
    "paperFeed": "paper_feed",
    "liveStrategy": "live_strategy",
    "liveSymbols": "live_symbols",
    "retainData": "retain_data",
    "alarmEmail": "alarm_email",
    "webCallbackUrls": "web_callback_urls",
    "webLogoutUrls": "web_logout_urls",
    "cognitoDomainPrefix": "cognito_domain_prefix",
    "requireBrokerUserId": "require_broker_user_id",
    "dashboardCallbackUrls": "dashboard_callback_urls",
    "dashboardLogoutUrls": "dashboard_logout_urls",
}


@dataclass(frozen=True)
class StageConfig:
    """Everything that differs between deployments; built once by :func:`load_config`.

    Amounts in rupees, memory in MiB, Fargate CPU in units (1024 = 1 vCPU), throttling in requests/s.
    """

    stage: Stage
    region: str = "ap-south-1"
    tickstore: TickStore = "parquet"
    nag: bool = False
    log_retention_days: int = 14
    api_throttle_rate: int = 20
    api_throttle_burst: int = 40
    live_desired_count: int = 1
    live_cpu: int = 512
    live_memory_mib: int = 1024
    backtest_cpu: int = 2048
    backtest_memory_mib: int = 8192
    daily_loss_limit_inr: int = 10_000
    broker: str = "paper"
    paper_feed: str = ""  # zerodha | upstox: the paper service trades on that broker's live ticks
    live_strategy: str = "vwap_reversion"
    live_symbols: str = "RELIANCE,HDFCBANK,ICICIBANK,INFY,TCS"
    retain_data: bool = False
    alarm_email: str = ""
    require_layers: bool = False
    web_callback_urls: str = ""  # comma-separated OAuth redirect URLs of the web client (code flow + PKCE)
    web_logout_urls: str = ""  # comma-separated sign-out URLs
    cognito_domain_prefix: str = ""  # hosted sign-in domain <prefix>.auth.<region>.amazoncognito.com
    require_broker_user_id: bool = False  # broker logins need KITE_USER_ID / UPSTOX_USER_ID (prod default)
    dashboard_callback_urls: str = ""  # the dashboard's sign-in redirects besides its CloudFront URL
    dashboard_logout_urls: str = ""  # its sign-out URLs besides its CloudFront URL

    @staticmethod
    def url_list(value: str) -> list[str]:
        """``a,b`` -> ``["a", "b"]`` (blanks dropped)."""
        return [u.strip() for u in value.split(",") if u.strip()]

    @property
    def prefix(self) -> str:
        """Prefix of stack ids and physical names, e.g. ``vyapari-dev``."""
        return f"vyapari-{self.stage}"

    def stack_id(self, part: str) -> str:
        """The id of one stack, e.g. ``Vyapari-dev-Data``."""
        return f"Vyapari-{self.stage}-{part}"


def _coerce(value: Any, like: Any) -> Any:
    """``value`` (a command-line string or JSON value) converted to the type of the default ``like``."""
    if isinstance(like, bool):
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
    if isinstance(like, int):
        return int(value)
    return str(value)


def _flag(node: Node, key: str) -> bool:
    return str(node.try_get_context(key) or "").lower() in ("1", "true", "yes")


def load_config(node: Node) -> StageConfig:
    """The configuration of the stage selected by ``-c stage=...`` (``dev`` by default)."""
    stage = str(node.try_get_context("stage") or "dev")
    if stage not in STAGES:
        raise ValueError(f"-c stage={stage!r}: expected one of {', '.join(STAGES)}")
    tickstore = str(node.try_get_context("tickstore") or "parquet")
    if tickstore not in TICKSTORES:
        raise ValueError(f"-c tickstore={tickstore!r}: expected one of {', '.join(TICKSTORES)}")
    defaults = {f.name: f.default for f in fields(StageConfig)}
    stage_values = dict((node.try_get_context("stages") or {}).get(stage, {}))
    values: dict[str, Any] = {}
    for key, attr in _STAGE_KEYS.items():
        raw = node.try_get_context(key) if node.try_get_context(key) is not None else stage_values.get(key)
        if raw is not None:
            values[attr] = _coerce(raw, defaults[attr])
    values.setdefault("require_broker_user_id", stage == "prod")  # prod: the owner's account only
    return StageConfig(
        stage=stage,  # type: ignore[arg-type]
        tickstore=tickstore,  # type: ignore[arg-type]
        nag=_flag(node, "nag"),
        require_layers=_flag(node, "requireLayers"),
        **values,
    )
