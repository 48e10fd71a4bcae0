"""``vyapari api serve``: the REST API's own Lambda handler, served locally for a browser.

Example::

    vyapari api serve --port 8080 --lake lake --state-dir .vyapari-api --groups admin
    # then open http://127.0.0.1:8080/swagger

A small WSGI shim turns each HTTP request into an API Gateway REST proxy event (with Cognito-style
authorizer claims for ``--groups``, or the ``X-Vyapari-Groups`` header of a request) and calls the
handler named by ``--handler`` (default ``functions.api.handler.lambda_handler``), loaded by name like
the Lambda runtime does, with the ``local`` backend: JSON files under ``--state-dir`` instead of
DynamoDB, the lake folder instead of S3, recorded workflow starts instead of Step Functions, and the
kill switch in ``--live-state-dir``/orders.sqlite (default ``.vyapari-live``, the folder of
``vyapari live --state-dir``), so ``vyapari live kill``, the API and a running ``vyapari live`` share
it. Serving needs the ``aws`` dependency group (Powertools, pydantic) installed.
"""

from __future__ import annotations

import argparse
import base64
import importlib
import os
import sys
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from vyapari.core.errors import InvalidInput

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
StartResponse = Callable[..., Any]
GROUPS_HEADER = "HTTP_X_VYAPARI_GROUPS"


class LocalContext:
    """The Lambda context attributes the handler's logger reads."""

    function_name = "vyapari-api-local"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:local:000000000000:function:vyapari-api-local"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())


def proxy_event(environ: dict[str, Any], groups: str) -> dict[str, Any]:
    """The API Gateway REST proxy event of one WSGI request."""
    path = environ.get("PATH_INFO") or "/"
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    headers = {k[5:].replace("_", "-").title(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length).decode("utf-8", "replace") if length else None
    method = environ.get("REQUEST_METHOD", "GET")
    claims = {"sub": "local-user", "cognito:username": "local",
              "cognito:groups": environ.get(GROUPS_HEADER, groups)}
    return {
        "resource": path, "path": path, "httpMethod": method, "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None, "pathParameters": None, "stageVariables": None,
        "requestContext": {"resourcePath": path, "httpMethod": method, "path": path, "stage": "local",
                           "requestId": str(uuid.uuid4()), "accountId": "000000000000", "apiId": "local",
                           "identity": {"sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1")},
                           "authorizer": {"claims": claims}},
        "body": body, "isBase64Encoded": False,
    }


WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def wsgi_app(handler: Handler, groups: str = "admin") -> WsgiApp:
    """A WSGI application calling ``handler`` with proxy events (also used by the fuzz tests)."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        result = handler(proxy_event(environ, groups), LocalContext())
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()
                   if k.lower() != "content-length"]
        for key, values in (result.get("multiValueHeaders") or {}).items():
            headers += [(key, str(v)) for v in values if (key, str(v)) not in headers]
        status = int(result.get("statusCode", 200))
        headers.append(("Content-Length", str(len(data))))
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [data]

    return app


def load_handler(name: str, *, lake: Path, state_dir: Path, app_dir: Path,
                 live_state_dir: Path | None = None) -> Handler:
    """Import ``module.function`` with the local backend settings in the environment."""
    module_name, _, function = name.rpartition(".")
    if not module_name:
        raise InvalidInput("--handler", f"{name!r} is not module.function")
    os.environ.update(VYAPARI_API_BACKEND="local", LAKE_URI=str(lake), VYAPARI_API_STATE_DIR=str(state_dir))
    if live_state_dir is not None:
        os.environ["VYAPARI_LIVE_STATE_DIR"] = str(live_state_dir)
    sys.path.insert(0, str(app_dir.resolve()))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InvalidInput("--handler", f"cannot import {module_name} ({exc}); install the aws group and run "
                           "from the repository root or pass --app-dir") from exc
    handler: Handler = getattr(module, function)
    return handler


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def register(subparsers: Any, name: str, help_text: str) -> None:
    """Add ``api serve`` to ``subparsers``."""
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    actions = parser.add_subparsers(dest="api_command", metavar="<action>", required=True)
    serve = actions.add_parser("serve", help="serve the REST API locally (Swagger UI at /swagger)")
    serve.add_argument("--port", type=int, default=8080, help="TCP port (0 = any free port)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--lake", type=Path, default=Path("lake"), help="lake folder (default ./lake)")
    serve.add_argument("--state-dir", type=Path, default=Path(".vyapari-api"),
                       help="folder of the local registry, orders, positions and trades (JSON files)")
    serve.add_argument("--live-state-dir", type=Path, default=Path(".vyapari-live"),
                       help="the live engine's state folder (vyapari live --state-dir): its orders.sqlite "
                       "holds the kill switch (default .vyapari-live)")
    serve.add_argument("--groups", default="admin", help="Cognito groups of every caller (default admin)")
    serve.add_argument("--handler", default="functions.api.handler.lambda_handler", help="module.function")
    serve.add_argument("--app-dir", type=Path, default=Path("."), help="folder holding the handler's package")
    serve.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    handler = load_handler(args.handler, lake=args.lake, state_dir=args.state_dir, app_dir=args.app_dir,
                           live_state_dir=args.live_state_dir)
    app = wsgi_app(handler, args.groups)
    with make_server(args.host, args.port, app, handler_class=_QuietHandler) as server:
        print(f"vyapari API on http://{args.host}:{server.server_port}/swagger (groups: {args.groups})",
              flush=True)
        server.serve_forever()
    return 0
