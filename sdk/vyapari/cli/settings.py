"""The CLI's settings: one pydantic-settings model read from flags, the environment and ``.env``.

Precedence, highest first: a command's flags (``vyapari live --broker``), the process
environment, ``.env`` in the working directory (``KEY=value`` lines, as ``.env.sample``), the
defaults below. :func:`effective_environ` is what commands hand the sdk (a mapping of strings:
the environment over ``.env``, flags on top); :func:`describe` says where each value came from,
with secrets masked (``vyapari config show``). Amounts ₹, rates in bps or percent as named.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from vyapari.core.environment import ENV_FILE, dotenv_values_of

MASK = "********"


def _secret(default: str = "") -> Any:
    return Field(default=default, json_schema_extra={"secret": True})


class VyapariSettings(BaseSettings):
    """Every setting the CLI reads (names are the upper-case environment variables)."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore")

    # which broker, where `vyapari login` keeps the session
    broker: str = "paper"
    vyapari_secrets_file: str = ""
    # paper trading (₹, bps)
    paper_initial_capital: str = "1000000"
    paper_slippage_bps: str = ""  # none, as the backtest (vyapari.costs.defaults)
    paper_commission_bps: str = "3"  # used only with paper_fees = bps
    paper_fees: str = "zerodha"  # as the backtest
    paper_leverage: str = ""
    paper_feed: str = ""  # zerodha or upstox: paper trading on that broker's live ticks (vyapari live)
    # Zerodha Kite Connect
    kite_api_key: str = _secret()
    kite_api_secret: str = _secret()
    kite_api_root: str = "https://api.kite.trade"
    kite_ws_root: str = "wss://ws.kite.trade"
    kite_timeout_s: str = "7"
    kite_market_protection: str = "-1"
    kite_orders_per_minute: str = "200"
    # Upstox
    upstox_api_key: str = _secret()
    upstox_api_secret: str = _secret()
    upstox_redirect_uri: str = ""
    upstox_api_host: str = "https://api.upstox.com"
    upstox_order_host: str = ""
    upstox_ws_url: str = "wss://api.upstox.com/v3/feed/market-data-feed"
    upstox_instruments_url: str = (
        "https://assets.upstox.com/market-quote/instruments/exchange/complete.json.gz"
    )
    upstox_timeout_s: str = "7"
    # risk limits of the live engine (empty: no limit)
    daily_loss_limit_inr: str = ""
    risk_max_order_value_inr: str = ""
    risk_max_order_quantity: str = ""
    risk_max_position: str = ""
    risk_max_gross_exposure_inr: str = ""
    risk_max_orders_per_second: str = ""
    risk_max_orders_per_minute: str = ""
    risk_price_band: str = ""
    # readiness and the live service
    registered_egress_ip: str = ""
    fills_upload_interval_s: str = "15"
    # weekly target (percent)
    target_weekly_return_pct: str = "1.0"
    max_drawdown_pct: str = "10.0"
    p95_weekly_drawdown_pct: str = "-3.0"
    tolerance_pct: str = "20.0"


def _env_file(path: Path | None) -> Path:
    return Path(ENV_FILE) if path is None else path


def load_settings(flags: Mapping[str, Any] | None = None, env_file: Path | None = None) -> VyapariSettings:
    """The settings with ``flags`` (field name → value; ``None`` = flag not given) on top."""
    given = {k: str(v) for k, v in (flags or {}).items() if v is not None}
    return VyapariSettings(_env_file=_env_file(env_file), **given)  # type: ignore[call-arg]


def effective_environ(flags: Mapping[str, Any] | None = None, env_file: Path | None = None) -> dict[str, str]:
    """The environment a command works with, as ``NAME: value`` strings: ``.env`` under the process
    environment, with the settings given by any source (flags on top) over both. Defaults are left
    out: the sdk applies its own (the same values, listed by :func:`describe`)."""
    settings = load_settings(flags, env_file)
    merged = {**dotenv_values_of(env_file), **os.environ}
    merged.update({name.upper(): str(getattr(settings, name)) for name in settings.model_fields_set})
    return merged


def describe(flags: Mapping[str, Any] | None = None, env_file: Path | None = None) -> list[dict[str, str]]:
    """One row per setting: ``name`` (the variable), ``value`` (secrets masked) and ``source``
    (``flag``, ``env``, ``.env`` or ``default``)."""
    given = {k for k, v in (flags or {}).items() if v is not None}
    from_file = {k.upper() for k in dotenv_values_of(env_file)}
    environ = {k.upper() for k in os.environ}
    settings = load_settings(flags, env_file)
    rows = []
    for name, field in VyapariSettings.model_fields.items():
        var = name.upper()
        source = "flag" if name in given else "env" if var in environ else "default"
        if source == "default" and var in from_file:
            source = ".env"
        value = str(getattr(settings, name))
        secret = isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("secret")
        rows.append({"name": var, "value": MASK if secret and value else value, "source": source})
    return rows
