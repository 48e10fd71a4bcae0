"""Request and response models of the REST API (pydantic; they generate the OpenAPI document).

Conventions: dates are ISO ``YYYY-MM-DD`` IST session dates; instants are ISO 8601 with offset (IST);
rupee amounts are decimal strings; ``next_token`` is opaque and ``null`` on the last page.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
SYMBOL_PATTERN = r"^[A-Z0-9&_-]{1,20}$"
Mode = Literal["paper", "live"]


class Strict(BaseModel):
    """A request model refusing unknown fields."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(BaseModel):
    """Every error response: a code, a one-line message, the request id; ``fields`` on 422."""

    error: str
    message: str
    request_id: str
    fields: list[dict[str, Any]] = Field(default_factory=list)


class SessionOut(BaseModel):
    """One trading session (times IST)."""

    session_date: date
    open_at: str
    close_at: str
    kind: str


class ExchangeOut(BaseModel):
    """A cash exchange with today's and the next session."""

    code: str
    name: str
    timezone: str
    session_today: SessionOut | None
    next_session: SessionOut


class ExchangesOut(BaseModel):
    """``GET /exchanges``."""

    items: list[ExchangeOut]


class AssetOut(BaseModel):
    """A symbol known to the lake."""

    symbol: str
    exchange: str
    instrument_id: str
    daily_bars: bool
    minute_bars: bool


class AssetsOut(BaseModel):
    """``GET /assets``."""

    items: list[AssetOut]


class BarOut(BaseModel):
    """One bar: ``ts`` is the bar start (IST); prices ₹; volume in shares."""

    ts: str
    open: float
    high: float
    low: float
    close: float
    volume: int


class BarsOut(BaseModel):
    """``GET /bars``: one page of bars."""

    symbol: str
    exchange: str
    interval: str
    bars: list[BarOut]
    next_token: str | None


# a name, package.module:ClassName (dotted identifiers), or path/to/file.py:ClassName (refused in AWS,
# whose workers cannot read the file; accepted by the local API, which runs on the machine that has it)
STRATEGY_REF_PATTERN = (r"^([A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*)?"
                        r"|[A-Za-z0-9_./~-]{1,180}\.py:[A-Za-z_][A-Za-z0-9_]*)$")


class StrategyIn(Strict):
    """``POST /strategies``: a named definition of a reference strategy with its parameters."""

    name: str = Field(pattern=NAME_PATTERN, description="unique name of the definition")
    strategy: str = Field(
        pattern=STRATEGY_REF_PATTERN,
        max_length=200,
        description="a reference strategy (e.g. vwap_reversion), an installed 'vyapari.strategies' "
        "entry point or package.module:ClassName of a package installed with the functions; locally "
        "also path/to/file.py:ClassName",
    )
    params: dict[str, Any] = Field(default_factory=dict, description="constructor parameters")
    description: str = Field(default="", max_length=500)


class StrategyOut(StrategyIn):
    """A registered strategy definition."""

    created_by: str
    created_at: str


class StrategiesOut(BaseModel):
    """``GET /strategies``."""

    items: list[StrategyOut]
    next_token: str | None
    reference_strategies: list[str]


class RunIn(Strict):
    """``POST /strategy-runs``: a backtest of a registered definition."""

    strategy_name: str = Field(pattern=NAME_PATTERN)
    exchange: Literal["NSE", "BSE"] = "NSE"
    symbols: list[str] = Field(min_length=1, max_length=50)
    start: date
    end: date
    interval: Literal["1m", "5m", "15m", "1d"] = "1d"
    params: dict[str, Any] | None = Field(default=None, description="parameters over the definition's")
    grid: dict[str, list[Any]] | None = Field(
        default=None, description="a sweep: parameter name → values; every combination is run and ranked")
    fees: str | None = Field(default=None, max_length=40, description="zerodha, upstox, none or bps:N")
    capital_inr: float | None = Field(default=None, gt=0, description="starting cash, ₹")
    rank_by: Literal["sharpe", "sortino", "total_return", "annualised_return", "pnl_inr", "profit_factor",
                     "win_rate", "max_drawdown"] | None = Field(default=None, description="sweeps: rank by")


class RunOut(BaseModel):
    """A strategy run; ``execution_arn`` is set once started."""

    run_id: str
    strategy_name: str
    exchange: str
    symbols: list[str]
    start: date
    end: date
    interval: str
    status: str
    created_by: str
    created_at: str
    client_token: str | None = None
    execution_arn: str | None = None
    started_at: str | None = None
    params: dict[str, Any] | None = None
    grid: dict[str, list[Any]] | None = None
    fees: str | None = None
    capital_inr: float | None = None
    progress: float | None = Field(default=None, description="0..1 while it runs (local runs)")
    error: str | None = Field(default=None, description="why it failed (local runs)")
    finished_at: str | None = None
    badge: str | None = None
    evaluation_key: str | None = None
    report_key: str | None = Field(default=None, description="lake key of the report HTML (local runs)")


class RunsOut(BaseModel):
    """``GET /strategy-runs``."""

    items: list[RunOut]
    next_token: str | None


class StartIn(Strict):
    """``POST /strategy-runs/{id}/start``: ``client_token`` makes the start idempotent."""

    client_token: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")


class EvaluationOut(BaseModel):
    """``GET /strategy-runs/{id}/evaluate``: the latest weekly evaluation as published."""

    run_id: str
    badges: list[Any]
    evaluation: dict[str, Any]


class ManualOrderIn(Strict):
    """``POST /orders``: a manual order for the live service (paper or live)."""

    client_order_id: str = Field(pattern=r"^[A-Za-z0-9_-]{6,40}$")
    mode: Mode
    instrument_id: str = Field(pattern=r"^(NSE|BSE):[A-Z0-9&_-]{1,20}$", examples=["NSE:RELIANCE"])
    side: Literal["BUY", "SELL"]
    quantity: int = Field(gt=0, le=1_000_000)
    order_type: Literal["MARKET", "LIMIT", "SL", "SL-M"]
    product: Literal["CNC", "MIS", "NRML"]
    price: Decimal | None = Field(default=None, gt=0, le=10_000_000, decimal_places=2)
    trigger_price: Decimal | None = Field(default=None, gt=0, le=10_000_000, decimal_places=2)


class ManualOrderOut(BaseModel):
    """A manual order request as recorded (`status` PENDING until the live service takes it)."""

    client_order_id: str
    mode: str
    instrument_id: str
    side: str
    quantity: int
    order_type: str
    product: str
    price: str | None = None
    trigger_price: str | None = None
    status: str
    requested_by: str
    requested_at: str


class RecordsOut(BaseModel):
    """``GET /orders``, ``/positions``, ``/trades``: records as the live service wrote them."""

    mode: str
    items: list[dict[str, Any]]
    next_token: str | None


class LoginOut(BaseModel):
    """``GET /broker/{broker}/callback``: the stored session (never its token); ``valid_until`` IST."""

    broker: str
    user_id: str
    valid_until: str
    message: str


class LoginStartOut(BaseModel):
    """``POST /broker/{broker}/login``: the login URL with a fresh state and the state's expiry (IST)."""

    broker: str
    login_url: str
    state_expires_at: str


class KillSwitchIn(Strict):
    """``POST /live/kill-switch``: engage (``engaged`` true, trader) or reset (admin) the kill switch, with a
    ``reason``."""

    engaged: bool = Field(strict=True, description="true engages (trader), false resets (admin)")
    reason: str = Field(default="operator", min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$",
                        description="why it is engaged or released (kept with the caller's user name)")


class KillSwitchOut(BaseModel):
    """The live kill switch: ``engaged_at`` ISO 8601 IST; ``changed`` says whether this request changed it
    (engaging an engaged switch keeps the first engagement)."""

    engaged: bool
    reason: str | None = None
    engaged_at: str | None = None
    changed: bool = False


class ReportLinkOut(BaseModel):
    """``GET /strategy-runs/{id}/report-link``: a link to the run's tear sheet for a sandboxed iframe,
    valid until ``expires_at`` (ISO 8601 UTC); ``url`` is absolute (a presigned S3 GET in AWS) or a path
    on the API's own origin (locally)."""

    run_id: str
    url: str
    expires_at: str
    expires_in_s: int


class MeOut(BaseModel):
    """``GET /me``: the caller's user name and role (what the dashboard offers them)."""

    username: str
    role: Literal["viewer", "trader", "admin"]


class OverviewItemOut(BaseModel):
    """A strategy definition, its newest run and that run's latest evaluation (``null`` until one)."""

    strategy: dict[str, Any]
    latest_run: dict[str, Any] | None = None
    evaluation: dict[str, Any] | None = None


class OverviewOut(BaseModel):
    """``GET /overview``: strategies with badges, the kill switch, readiness and the last ingestion.

    ``kill_switch``/``readiness``/``last_ingestion`` are ``null`` where not available here; a part that
    failed names why in ``problems``."""

    as_of: str
    strategies: list[OverviewItemOut]
    kill_switch: KillSwitchOut | None = None
    readiness: dict[str, Any] | None = None
    last_ingestion: dict[str, Any] | None = None
    problems: list[str] = Field(default_factory=list)


class CoverageOut(BaseModel):
    """``GET /lake/coverage``: per exchange the sessions present, missing and quarantined, and minute
    bars by symbol; ``quarantined`` lists every quarantined file with its reason."""

    exchanges: list[dict[str, Any]]
    quarantined: list[dict[str, Any]]


class RoundTripsOut(BaseModel):
    """``GET /strategy-runs/{id}/round-trips``: the evaluated item's round trips (₹, IST, first
    ``limit``), their count and net P&L total (₹)."""

    run_id: str
    total: int
    net_pnl_inr: float
    items: list[dict[str, Any]]
