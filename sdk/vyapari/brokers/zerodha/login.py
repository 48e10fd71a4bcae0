"""Kite's daily login: exchange the ``request_token`` from the login redirect for an access token.

Flow (kite.trade/docs/connect/v3/user/): the user opens
``https://kite.zerodha.com/connect/login?v=3&api_key=…``, logs in, and is redirected with
``request_token``; ``POST /session/token`` with ``checksum = SHA-256(api_key + request_token
+ api_secret)`` (computed by ``KiteConnect.generate_session``) returns the ``access_token``,
valid until 06:00 IST next day. The session is saved through the secrets port.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from vyapari.brokers.errors import map_failure
from vyapari.brokers.redact import install_redaction, register_secret
from vyapari.brokers.session import BrokerSession, SessionProvider, now_ist
from vyapari.brokers.zerodha.client import kite_failure, make_kite_client
from vyapari.brokers.zerodha.config import KITE_LOGIN_URL, KiteConfig
from vyapari.core.errors import InvalidInput


def kite_login_url(config: KiteConfig, state: str | None = None) -> str:
    """The browser URL where the user logs in each morning.

    ``state`` (the login's anti-forgery state) goes in ``redirect_params``, a URL-encoded query string
    Kite appends unchanged to the redirect, so the callback receives it as ``state``.
    """
    params = {"v": "3", "api_key": config.api_key}
    if state is not None:
        params["redirect_params"] = urlencode({"state": state})
    return f"{KITE_LOGIN_URL}?{urlencode(params)}"


def kite_login(
    config: KiteConfig,
    request_token: str,
    provider: SessionProvider,
    *,
    clock: Callable[[], datetime] = now_ist,
) -> BrokerSession:
    """Exchange ``request_token`` for a session, save it through ``provider`` and return it."""
    install_redaction()
    register_secret(request_token)
    if not config.api_secret:
        raise InvalidInput("KITE_API_SECRET", "is required to log in")
    client = make_kite_client(config)
    try:
        data = client.generate_session(request_token, config.api_secret)
    except Exception as exc:
        failure = kite_failure(exc)
        if failure is None:
            raise
        raise map_failure("zerodha", failure) from None
    token, user = str(data["access_token"]), str(data.get("user_id", ""))
    session = BrokerSession.issued("zerodha", token, clock(), user)
    provider.save(session)
    return session
