"""Upstox's daily login: exchange the OAuth ``code`` for an access token.

Flow (upstox.com/developer/api-documentation/get-token): the user opens
``/v2/login/authorization/dialog?response_type=code&client_id=…&redirect_uri=…``, approves,
and is redirected with a single-use ``code``; ``POST /v2/login/authorization/token`` (form:
code, client_id, client_secret, redirect_uri, grant_type=authorization_code) returns the
``access_token``, valid until 03:30 IST next day. The session is saved through the secrets port.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from vyapari.brokers.errors import map_failure
from vyapari.brokers.redact import install_redaction, register_secret
from vyapari.brokers.session import BrokerSession, SessionProvider, now_ist
from vyapari.brokers.upstox.client import API_VERSION, make_upstox_client, upstox_failure
from vyapari.brokers.upstox.config import UPSTOX_LOGIN_URL, UpstoxConfig
from vyapari.core.errors import InvalidInput


def upstox_login_url(config: UpstoxConfig, state: str | None = None) -> str:
    """The browser URL where the user approves the app each morning; ``state`` (the login's
    anti-forgery state) is OAuth's ``state``, returned unchanged with the ``code``."""
    params = {"response_type": "code", "client_id": config.api_key, "redirect_uri": config.redirect_uri}
    if state is not None:
        params["state"] = state
    query = urlencode(params)
    return f"{UPSTOX_LOGIN_URL}?{query}"


def upstox_login(
    config: UpstoxConfig,
    code: str,
    provider: SessionProvider,
    *,
    clock: Callable[[], datetime] = now_ist,
) -> BrokerSession:
    """Exchange ``code`` for a session, save it through ``provider`` and return it."""
    import upstox_client

    install_redaction()
    register_secret(code)
    if not config.api_secret or not config.redirect_uri:
        raise InvalidInput("UPSTOX_API_SECRET/UPSTOX_REDIRECT_URI", "both are required to log in")
    api = upstox_client.LoginApi(make_upstox_client(config))
    try:
        data = api.token(API_VERSION, code=code, client_id=config.api_key, client_secret=config.api_secret,
                         redirect_uri=config.redirect_uri, grant_type="authorization_code",
                         _request_timeout=config.timeout_s)
    except Exception as exc:
        failure = upstox_failure(exc)
        if failure is None:
            raise
        raise map_failure("upstox", failure) from None
    session = BrokerSession.issued("upstox", str(data.access_token), clock(), str(data.user_id or ""))
    provider.save(session)
    return session
