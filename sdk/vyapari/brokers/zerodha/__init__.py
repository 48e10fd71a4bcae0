"""Zerodha Kite Connect v3: config, client, parsing, adapter, tick stream and daily login.

The names load on first use (PEP 562): the login callback's package (no pandas) imports the config
and login modules without the adapter, which needs pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vyapari.brokers.zerodha.adapter import KiteBrokerAdapter
    from vyapari.brokers.zerodha.config import KiteConfig, kite_config_from_env
    from vyapari.brokers.zerodha.login import kite_login, kite_login_url

_MODULES = {"KiteBrokerAdapter": "adapter", "KiteConfig": "config", "kite_config_from_env": "config",
            "kite_login": "login", "kite_login_url": "login"}
__all__ = ["KiteBrokerAdapter", "KiteConfig", "kite_config_from_env", "kite_login", "kite_login_url"]


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
