"""Upstox: config, client, parsing, adapter, tick stream and daily login."""

from vyapari.brokers.upstox.adapter import UpstoxBrokerAdapter
from vyapari.brokers.upstox.config import UpstoxConfig, upstox_config_from_env
from vyapari.brokers.upstox.login import upstox_login, upstox_login_url

__all__ = [
    "UpstoxBrokerAdapter",
    "UpstoxConfig",
    "upstox_config_from_env",
    "upstox_login",
    "upstox_login_url",
]
