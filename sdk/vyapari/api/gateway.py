"""A local stand-in for API Gateway and its Cognito authorizer, in front of the REST Lambda handler.

``vyapari api serve`` serves this WSGI application. Each request becomes the REST proxy event API
Gateway would send, and the handler checks each route's role exactly as in AWS:

- ``POST /auth/login`` with ``{"username", "password"}`` answers a signed token valid ``token_ttl_s``
  seconds (Cognito's job in AWS); the caller sends it as ``Authorization: Bearer <token>``.
- Every path but the public ones (``/auth/login``, the Swagger UI and ``/openapi.json``, the broker
  login callback) needs a valid token, else 401, as the Cognito authorizer answers. The token's user
  and their role *now* (read from the users file, so removing a user revokes their tokens) become
  ``requestContext.authorizer.claims`` with ``cognito:groups``. No header grants a role.
- ``dev_role`` (``--insecure-dev-role``) gives requests without a token that role instead of a 401.
- The dashboard's static files (``/``, ``/index.html``, ``/assets/...``) and its ``/config.json`` are
  public (:mod:`vyapari.api.static`); ``ws_url`` is the local WebSocket endpoint the app is told about.
- ``GET /strategy-runs/<id>/report`` also accepts a short-lived signed link instead of the header
  (:mod:`vyapari.api.report_links`; the handler's ``/report-link`` route makes it with the same secret):
  the dashboard shows the tear sheet in a sandboxed iframe, which cannot send a header. A session
  token is never accepted in a URL.
- A body over ``max_body_bytes`` is refused with 413, a bad ``Content-Length`` with 400.
- The handler sees one event at a time, as a Lambda instance does (its resolver keeps the current
  event in module state); reading requests and writing responses is the server's, concurrently.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from vyapari.api.limits import MAX_BODY_BYTES, TOKEN_TTL_S
from vyapari.api.ports import InvalidToken
from vyapari.api.report_links import verify_link
from vyapari.api.roles import Role
from vyapari.api.static import StaticFile, static_file
from vyapari.api.tokens import HmacTokenVerifier, issue_token
from vyapari.api.users import UserFile, check_private, write_private

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

LOGIN_PATH = "/auth/login"
PUBLIC_GET = re.compile(r"/swagger(\.css|\.js)?|/openapi\.json|/broker/[^/]+/callback")
REPORT_GET = re.compile(r"/strategy-runs/[A-Za-z0-9_-]{1,64}/report")
DEV_USER = "insecure-dev"  # the caller under --insecure-dev-role


class LocalContext:
    """The Lambda context attributes the handler's logger reads."""

    function_name = "vyapari-api-local"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:local:000000000000:function:vyapari-api-local"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())


def token_secret(path: Path) -> bytes:
    """The token signing secret in ``path`` (0600), made of 32 random bytes on first use."""
    if not path.exists():
        write_private(path, secrets.token_hex(32) + "\n")
    check_private(path)
    return path.read_text(encoding="utf-8").strip().encode()


@dataclass(frozen=True)
class GatewayConfig:
    """Who may call: the ``users`` file, the token ``secret``; limits; the insecure ``dev_role``;
    ``ws_url``: the local WebSocket endpoint (``ws://host:port/``; clients add ``?token=``)."""

    users: UserFile
    secret: bytes
    token_ttl_s: int = TOKEN_TTL_S
    max_body_bytes: int = MAX_BODY_BYTES
    dev_role: Role | None = None
    ws_url: str | None = None


class _Refused(Exception):
    def __init__(self, status: HTTPStatus, message: str,
                 headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or []


def _claims(name: str, role: Role) -> dict[str, str]:
    """The Cognito authorizer claims of a user in one group."""
    return {"sub": name, "cognito:username": name, "cognito:groups": role.name.lower()}


def proxy_event(environ: dict[str, Any], body: str | None, claims: dict[str, str] | None) -> dict[str, Any]:
    """The API Gateway REST proxy event of one WSGI request (no authorizer when ``claims`` is ``None``)."""
    path = environ.get("PATH_INFO") or "/"
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    headers = {k[5:].replace("_", "-").title(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    method = environ.get("REQUEST_METHOD", "GET")
    context: dict[str, Any] = {
        "resourcePath": path, "httpMethod": method, "path": path, "stage": "local",
        "requestId": str(uuid.uuid4()), "accountId": "000000000000", "apiId": "local",
        "identity": {"sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1")},
    }
    if claims is not None:
        context["authorizer"] = {"claims": claims}
    return {
        "resource": path, "path": path, "httpMethod": method, "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None, "pathParameters": None, "stageVariables": None,
        "requestContext": context, "body": body, "isBase64Encoded": False,
    }


class LocalGateway:
    """The WSGI application: authentication, limits, the proxy event, then ``handler`` (see module doc)."""

    def __init__(self, handler: Handler, config: GatewayConfig) -> None:
        self.handler = handler
        self.config = config
        self._verifier = HmacTokenVerifier(config.secret)
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request."""
        try:
            body = self._body(environ)
            method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO") or "/"
            if path == LOGIN_PATH:
                return self._login(method, body, start_response)
            if method in ("GET", "HEAD") and (answer := self._static(path)) is not None:
                return _send_static(start_response, answer, head=method == "HEAD")
            claims = self._caller(environ)
            if claims is None and not (method in ("GET", "HEAD") and PUBLIC_GET.fullmatch(path)):
                raise _Refused(HTTPStatus.UNAUTHORIZED, f"sign in first: POST {LOGIN_PATH}, then send "
                               "Authorization: Bearer <token>", [("WWW-Authenticate", "Bearer")])
        except _Refused as refused:
            payload = _error(refused.status, str(refused))
            return _json(start_response, refused.status, payload, refused.headers)
        with self._lock:
            result = self.handler(proxy_event(environ, body, claims), LocalContext())
        return _respond(result, start_response)

    def _body(self, environ: dict[str, Any]) -> str | None:
        text = str(environ.get("CONTENT_LENGTH") or "0").strip()
        if not text.isdigit():
            raise _Refused(HTTPStatus.BAD_REQUEST, f"Content-Length {text[:20]!r} is not a whole number")
        length = int(text)
        if length > self.config.max_body_bytes:
            raise _Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                           f"the request body is over {self.config.max_body_bytes} bytes")
        if not length:
            return None
        return bytes(environ["wsgi.input"].read(length)).decode("utf-8", "replace")

    def _static(self, path: str) -> StaticFile | None:
        dev_role = self.config.dev_role.name.lower() if self.config.dev_role else None
        return static_file(path, ws_url=self.config.ws_url, dev_role=dev_role)

    def _caller(self, environ: dict[str, Any]) -> dict[str, str] | None:
        """The claims of the bearer token's user, the dev role's, or ``None`` (anonymous)."""
        header = str(environ.get("HTTP_AUTHORIZATION") or "")
        path = environ.get("PATH_INFO") or ""
        refused = _Refused(HTTPStatus.UNAUTHORIZED, "invalid or expired token; sign in again",
                           [("WWW-Authenticate", 'Bearer error="invalid_token"')])
        if not header and REPORT_GET.fullmatch(path):
            query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
            if "signature" in query:
                return self._link_caller(path, query, refused)
        if not header:
            return _claims(DEV_USER, self.config.dev_role) if self.config.dev_role else None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise refused
        try:
            identity = self._verifier.verify(token.strip())
        except InvalidToken:
            raise refused from None
        user = self.config.users.get(identity.subject)
        if user is None:
            raise refused
        return _claims(user.name, user.role)

    def _link_caller(self, path: str, query: dict[str, str], refused: _Refused) -> dict[str, str]:
        """The claims of a signed report link's user (who must still exist; under ``dev_role`` the
        link the dev caller was given), else ``refused``."""
        try:
            name = verify_link(self.config.secret, path, query)
        except InvalidToken:
            raise refused from None
        if self.config.dev_role is not None and name == DEV_USER:
            return _claims(DEV_USER, self.config.dev_role)
        user = self.config.users.get(name)
        if user is None:
            raise refused
        return _claims(user.name, user.role)

    def _login(self, method: str, body: str | None, start_response: StartResponse) -> Iterable[bytes]:
        if method != "POST":
            status = HTTPStatus.METHOD_NOT_ALLOWED
            return _json(start_response, status, _error(status, f"use POST {LOGIN_PATH}"),
                         [("Allow", "POST")])
        try:
            form = json.loads(body or "")
        except (ValueError, RecursionError):
            form = None
        if not isinstance(form, dict):
            form = {}
        name, password = form.get("username"), form.get("password")
        if not isinstance(name, str) or not isinstance(password, str):
            status = HTTPStatus.BAD_REQUEST
            return _json(start_response, status,
                         _error(status, 'send JSON {"username": ..., "password": ...}'))
        user = self.config.users.authenticate(name, password)
        if user is None:
            status = HTTPStatus.UNAUTHORIZED
            return _json(start_response, status, _error(status, "wrong user name or password"))
        token = issue_token(self.config.secret, user.name, [user.role.name.lower()],
                            ttl_s=self.config.token_ttl_s)
        return _json(start_response, HTTPStatus.OK, {
            "access_token": token, "token_type": "Bearer", "expires_in": self.config.token_ttl_s,
            "username": user.name, "role": user.role.name.lower()})


def _error(status: HTTPStatus, message: str) -> dict[str, Any]:
    """The API's error shape (``ErrorOut``)."""
    code = status.phrase.lower().replace(" ", "_")
    return {"error": code, "message": message, "request_id": str(uuid.uuid4()), "fields": []}


def _json(start_response: StartResponse, status: HTTPStatus, payload: dict[str, Any],
          headers: list[tuple[str, str]] | None = None) -> list[bytes]:
    data = json.dumps(payload).encode()
    start_response(f"{status.value} {status.phrase}", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(data))),
        ("Cache-Control", "no-store"), *(headers or [])])
    return [data]


def _send_static(start_response: StartResponse, answer: StaticFile, *, head: bool = False) -> list[bytes]:
    start_response("200 OK", [("Content-Type", answer.content_type),
                              ("Content-Length", str(len(answer.data))), *answer.headers])
    return [] if head else [answer.data]


def _respond(result: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    """The HTTP response of a proxy integration result."""
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items() if k.lower() != "content-length"]
    for key, values in (result.get("multiValueHeaders") or {}).items():
        if key.lower() != "content-length":
            headers += [(key, str(v)) for v in values if (key, str(v)) not in headers]
    status = HTTPStatus(int(result.get("statusCode", 200)))
    headers.append(("Content-Length", str(len(data))))
    start_response(f"{status.value} {status.phrase}", headers)
    return [data]
