"""Zerodha Kite Connect v3: config, client, parsing, adapter, tick stream and daily login."""

from vyapari.brokers.zerodha.adapter import KiteBrokerAdapter
from vyapari.brokers.zerodha.config import KiteConfig, kite_config_from_env
from vyapari.brokers.zerodha.login import kite_login, kite_login_url

__all__ = ["KiteBrokerAdapter", "KiteConfig", "kite_config_from_env", "kite_login", "kite_login_url"]
