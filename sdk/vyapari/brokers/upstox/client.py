"""The official ``upstox-python-sdk`` client, imported lazily, and its exceptions in neutral form."""

from __future__ import annotations

import json
from typing import Any

from vyapari.brokers.errors import CONNECTION, TIMEOUT, BrokerFailure
from vyapari.brokers.upstox.config import UpstoxConfig

API_VERSION = "2.0"


def make_upstox_client(config: UpstoxConfig, access_token: str = "") -> Any:
    """An ``upstox_client.ApiClient`` with the configured hosts (never ``debug``: it logs bodies)."""
    import upstox_client

    configuration = upstox_client.Configuration()
    configuration.host = config.api_host.rstrip("/")
    configuration.order_host = config.order_host.rstrip("/")
    configuration.access_token = access_token
    return upstox_client.ApiClient(configuration)


def _error_body(body: Any) -> tuple[str, str]:
    """(errorCode, message) of an Upstox error envelope ``{"status": "error", "errors": [...]}``."""
    try:
        data = json.loads(body.decode() if isinstance(body, bytes) else body or "{}")
        first = (data.get("errors") or [{}])[0]
        return str(first.get("errorCode") or first.get("error_code") or ""), str(first.get("message") or "")
    except (ValueError, AttributeError, TypeError, IndexError):
        return "", ""


def upstox_failure(exc: Exception) -> BrokerFailure | None:
    """``exc`` raised by the Upstox SDK as a :class:`BrokerFailure` (None if not a broker failure)."""
    import urllib3
    from upstox_client.rest import ApiException

    if isinstance(exc, ApiException):
        code, message = _error_body(exc.body)
        return BrokerFailure(exc.status or None, code, message or str(exc.reason or ""))
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        return upstox_failure(exc.reason) or BrokerFailure(None, CONNECTION, "connection failed")
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError | urllib3.exceptions.NewConnectionError):
        return BrokerFailure(None, CONNECTION, "connection failed")
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError | TimeoutError):
        return BrokerFailure(None, TIMEOUT, "no response in time")
    if isinstance(exc, urllib3.exceptions.ProtocolError | ConnectionError):
        return BrokerFailure(None, CONNECTION, "connection broken")
    return None
