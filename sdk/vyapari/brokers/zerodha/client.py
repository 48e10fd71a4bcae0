"""The official ``kiteconnect`` client, imported lazily, and its exceptions in neutral form."""

from __future__ import annotations

from typing import Any

from vyapari.brokers.errors import CONNECTION, TIMEOUT, BrokerFailure
from vyapari.brokers.zerodha.config import KiteConfig


def make_kite_client(config: KiteConfig, access_token: str | None = None) -> Any:
    """A ``kiteconnect.KiteConnect`` for ``config`` (root and timeout applied; never ``debug``,
    which would print the Authorization header)."""
    from kiteconnect import KiteConnect

    return KiteConnect(config.api_key, access_token=access_token, root=config.api_root,
                       timeout=config.timeout_s, debug=False)


def kite_failure(exc: Exception) -> BrokerFailure | None:
    """``exc`` raised by the Kite client as a :class:`BrokerFailure` (None if not a broker failure).

    A connect time-out never reached the broker (``connection``); a read time-out may have
    (``timeout``).
    """
    import requests
    from kiteconnect import exceptions as kex

    if isinstance(exc, kex.KiteException):
        return BrokerFailure(getattr(exc, "code", None), type(exc).__name__, str(exc))
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return BrokerFailure(None, CONNECTION, "connection timed out")
    if isinstance(exc, requests.exceptions.Timeout):
        return BrokerFailure(None, TIMEOUT, "no response in time")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return BrokerFailure(None, CONNECTION, "connection failed")
    return None
