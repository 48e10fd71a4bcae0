"""Upstox: config, client, parsing, adapter, tick stream and daily login.

The names load on first use (PEP 562): the login callback's package (no pandas) imports the config
and login modules without the adapter, which needs pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vyapari.brokers.upstox.adapter import UpstoxBrokerAdapter
    from vyapari.brokers.upstox.config import UpstoxConfig, upstox_config_from_env
    from vyapari.brokers.upstox.login import upstox_login, upstox_login_url

_MODULES = {"UpstoxBrokerAdapter": "adapter", "UpstoxConfig": "config", "upstox_config_from_env": "config",
            "upstox_login": "login", "upstox_login_url": "login"}
__all__ = [
    "UpstoxBrokerAdapter",
    "UpstoxConfig",
    "upstox_config_from_env",
    "upstox_login",
    "upstox_login_url",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
