"""Broker login: ``POST /broker/{broker}/login`` starts it, ``GET /broker/{broker}/callback`` completes it.

``POST /broker/{broker}/login`` (trader or admin) issues a single-use anti-forgery ``state`` (10
minutes) and answers the broker's login URL carrying it; ``vyapari login <broker> --url --api …``
calls it. The callback refuses a redirect whose ``state`` is missing, unknown, used or expired (403
``login_state_invalid``) before it exchanges anything.

Zerodha redirects with ``request_token`` (and ``status=success``), Upstox with ``code``. This route is
the one REST method without the Cognito authorizer: the broker's redirect carries no Cognito token.
A token is single-use and worthless without the app's API secret, and the session is stored only
when the broker accepts it (and, when ``KITE_USER_ID``/``UPSTOX_USER_ID`` are set, only for that
account). The answer never contains the token or the session's access token.

It is left out of the OpenAPI document: it is the broker's redirect target for a browser, not an
operation for API clients, and it calls the broker (so it must not be fuzzed or tried from Swagger).
"""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from functions.api.routes import services_of
from functions.shared.api_auth import needs
from functions.shared.api_models import LoginOut, LoginStartOut
from functions.shared.broker_login import LoginNotConfigured
from vyapari.api.errors import ApiError
from vyapari.api.roles import Role
from vyapari.brokers.login_state import STATE_PATTERN
from vyapari.brokers.redact import get_logger
from vyapari.core.errors import InvalidInput

# The resolver logs each route's arguments at DEBUG, the redirect's token among them: mask it.
get_logger("aws_lambda_powertools.event_handler.api_gateway")
router = Router()
TOKEN_PATTERN = r"^[A-Za-z0-9_.~-]{6,200}$"
Token = Annotated[str | None, Query(pattern=TOKEN_PATTERN, description="from the broker's redirect")]
TOKEN_PARAMETER = {"zerodha": "request_token", "upstox": "code"}
State = Annotated[str | None, Query(pattern=STATE_PATTERN,
                                    description="the login's anti-forgery state, as issued")]
Broker = Annotated[Literal["zerodha", "upstox"], Path(description="zerodha or upstox")]


@router.post("/broker/<broker>/login", include_in_schema=False, middlewares=[needs(Role.TRADER)])
def broker_login_start(broker: Broker) -> LoginStartOut:
    """Issue a login state and answer the broker's login URL that carries it (trader)."""
    login = services_of(router.context).login
    if login is None:
        raise LoginNotConfigured("broker login is not configured here (no secrets store)")
    url, expires = login.start(broker)
    return LoginStartOut(broker=broker, login_url=url, state_expires_at=expires.isoformat())


@router.get("/broker/<broker>/callback", include_in_schema=False)
def broker_callback(
    broker: Broker,
    request_token: Token = None,
    code: Token = None,
    status: Annotated[str | None, Query(max_length=32, description="Kite: success or an error")] = None,
    state: State = None,
) -> LoginOut:
    """Exchange the redirect's token for today's session and store it for the live service."""
    login = services_of(router.context).login
    if login is None:
        raise LoginNotConfigured("broker login is not configured here (no secrets store)")
    if status not in (None, "success"):
        raise ApiError(f"the {broker} login did not succeed (status {status!r}); start it again")
    token = request_token if broker == "zerodha" else code
    if not token:
        raise InvalidInput(TOKEN_PARAMETER[broker], f"missing from the {broker} redirect; log in again")
    session = login.complete(broker, token, state)
    return LoginOut(
        broker=broker,
        user_id=session.user_id,
        valid_until=session.valid_until.isoformat(),
        message=f"logged in to {broker}; the live service uses the new session within a minute",
    )
