"""``vyapari api``: serve the REST API's own Lambda handler locally, and manage its local users.

Example::

    vyapari api users add asha --role trader          # asks for the password twice
    vyapari api serve --port 8080 --lake lake          # the dashboard at http://127.0.0.1:8080/
    curl -s -X POST localhost:8080/auth/login -d '{"username": "asha", "password": "..."}'
    curl -H "Authorization: Bearer $TOKEN" localhost:8080/strategies

The server (:mod:`vyapari.api.gateway` on waitress) stands in for API Gateway and Cognito: it signs
callers in against ``<state-dir>/users.json`` (created on first run, mode 0600) and hands the handler
the authorizer claims it gets in AWS, with the caller's role (viewer, trader or admin) as their Cognito
group. It binds 127.0.0.1 unless ``--host`` says otherwise and refuses a non-loopback address while no
user exists or with ``--insecure-dev-role``. The handler is the repository's (the ``api-handler``
plugin, :mod:`vyapari.cli.plugins`), run with the ``local`` backend: JSON files under ``--state-dir``,
the lake folder, and the kill switch in ``--live-state-dir``/orders.sqlite (the folder of ``vyapari
live --state-dir``). Needs the ``aws`` and ``api`` dependency groups.

With it, on this machine:

- a WebSocket endpoint on ``--ws-port`` (default: the API's port + 1) speaks the AWS WebSocket API's
  protocol (``?token=``, subscribe to ``quotes``, ``orders``, ``pnl``) and pushes what a ``vyapari live``
  session with ``--state-dir`` = ``--live-state-dir`` publishes (:mod:`vyapari.api.local_ws`);
- ``GET /orders``, ``/positions``, ``/trades`` list that session's orders, positions and fills, and
  ``POST /orders`` hands a manual order to it (409 while none runs) (:mod:`vyapari.api.local_live`);
- ``POST /strategy-runs/<id>/start`` executes the run on ``--run-workers`` processes, with its status
  and progress on the run, its evaluation at ``/evaluate`` (:mod:`vyapari.api.local_runs`).
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import json
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vyapari.api.limits import MAX_BODY_BYTES, TOKEN_TTL_S
from vyapari.api.roles import Role
from vyapari.api.users import UserFile
from vyapari.cli._common import positive_int_arg
from vyapari.core.errors import InvalidInput

if TYPE_CHECKING:  # the server's modules load when it starts, not for --help
    from vyapari.api.gateway import Handler

ROLES = [r.name.lower() for r in Role]
USERS_FILE = "users.json"
SECRET_FILE = "token.secret"


def register(subparsers: Any, name: str, help_text: str) -> None:
    """Add ``api serve`` and ``api users`` to ``subparsers``."""
    parser = subparsers.add_parser(name, help=help_text, description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="api_command", metavar="<action>", required=True)
    serve = actions.add_parser("serve", help="serve the REST API locally (Swagger UI at /swagger)")
    serve.add_argument("--port", type=int, default=8080, help="TCP port (0 = any free port)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; another than loopback needs users)")
    serve.add_argument("--lake", type=Path, default=Path("lake"), help="lake folder (default ./lake)")
    _state_dir(serve)
    serve.add_argument("--live-state-dir", type=Path, default=Path(".vyapari-live"),
                       help="the live engine's state folder (vyapari live --state-dir): its orders.sqlite "
                       "holds the kill switch (default .vyapari-live)")
    serve.add_argument("--token-ttl", type=positive_int_arg, default=TOKEN_TTL_S,
                       help=f"seconds a login token is valid (default {TOKEN_TTL_S})")
    serve.add_argument("--max-body-bytes", type=positive_int_arg, default=MAX_BODY_BYTES,
                       help=f"largest request body; larger ones get 413 (default {MAX_BODY_BYTES})")
    serve.add_argument("--threads", type=positive_int_arg, default=4, help="worker threads (default 4)")
    serve.add_argument("--ws-port", type=int, default=None,
                       help="the WebSocket endpoint's port (default: --port + 1; any free one with --port 0)")
    serve.add_argument("--run-workers", type=int, default=1,
                       help="processes executing started strategy runs (default 1; 0: record starts only)")
    serve.add_argument("--insecure-dev-role", choices=ROLES,
                       help="DEVELOPMENT ONLY: give requests without a token this role (loopback only)")
    serve.add_argument("--open", action="store_true", help="open the dashboard in the web browser")
    serve.add_argument("--handler", help="the handler as module:function (default: the api-handler plugin)")
    serve.add_argument("--app-dir", type=Path, default=Path("."),
                       help="the repository clone holding functions/ (default: the current folder)")
    serve.set_defaults(func=run)

    users = actions.add_parser("users", help="add, list or remove the local API's users")
    kinds = users.add_subparsers(dest="users_command", metavar="<action>", required=True)
    add = kinds.add_parser("add", help="add a user (the password is asked for, or read from stdin)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True, help="viewer, trader or admin")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of stdin")
    add.add_argument("--replace", action="store_true", help="change an existing user's role and password")
    _state_dir(add)
    add.set_defaults(func=users_add)
    listing = kinds.add_parser("list", help="the users and their roles")
    _state_dir(listing)
    listing.add_argument("--json", action="store_true", help="a JSON list of {name, role}")
    listing.set_defaults(func=users_list)
    remove = kinds.add_parser("remove", help="remove a user (their tokens stop working at once)")
    remove.add_argument("name")
    _state_dir(remove)
    remove.set_defaults(func=users_remove)


def _state_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state-dir", type=Path, default=Path(".vyapari-api"),
                        help="folder of the local registry, orders, users and token secret "
                        "(default .vyapari-api)")


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise InvalidInput("password", "the two entries differ")
    return first


def users_add(args: argparse.Namespace) -> int:
    """Add (or with ``--replace`` change) a user."""
    user = UserFile(args.state_dir / USERS_FILE).add(args.name, Role[args.role.upper()], _password(args),
                                                     replace=args.replace)
    print(f"user {user.name}: {user.role.name.lower()} ({args.state_dir / USERS_FILE})")
    return 0


def users_list(args: argparse.Namespace) -> int:
    """Print the users and their roles (tab-separated, or ``--json``)."""
    stored = UserFile(args.state_dir / USERS_FILE).users()
    users = [{"name": u.name, "role": u.role.name.lower()} for u in stored]
    if args.json:
        print(json.dumps(users))
    else:
        for user in users:
            print(f"{user['name']}\t{user['role']}")
    return 0


def users_remove(args: argparse.Namespace) -> int:
    """Remove a user; 1 when there was none."""
    if UserFile(args.state_dir / USERS_FILE).remove(args.name):
        print(f"removed {args.name}")
        return 0
    print(f"no user {args.name}", file=sys.stderr)
    return 1


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` resolves to is a loopback address."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InvalidInput("--host", f"{host!r} does not resolve ({exc})") from None
    return all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos)


def _check_binding(args: argparse.Namespace, users: UserFile) -> None:
    if is_loopback(args.host):
        return
    if args.insecure_dev_role:
        raise InvalidInput("--host", f"{args.host} is not a loopback address: --insecure-dev-role serves "
                           "127.0.0.1 only")
    if not users.users():
        raise InvalidInput("--host", f"{args.host} is not a loopback address and {users.path} has no user, "
                           "so nobody could sign in: add one with `vyapari api users add NAME --role ROLE`")


def load_handler(args: argparse.Namespace, secret: bytes) -> Handler:
    """The api-handler plugin, imported with the local backend settings in the environment."""
    os.environ.update({
        "VYAPARI_API_BACKEND": "local", "LAKE_URI": str(args.lake),
        "VYAPARI_API_STATE_DIR": str(args.state_dir), "VYAPARI_LIVE_STATE_DIR": str(args.live_state_dir),
        "VYAPARI_WS_TOKEN_SECRET": secret.decode(), "VYAPARI_RUN_WORKERS": str(max(args.run_workers, 0)),
        "VYAPARI_SESSION_GATE": "1"})
    from vyapari.cli.plugins import load_plugin

    handler: Handler = load_plugin("api-handler", app_dir=args.app_dir, explicit=args.handler,
                                   option="--handler")
    return handler


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    try:
        import websockets  # noqa: F401 - the WebSocket endpoint's, checked before anything starts
        from waitress import create_server
    except ImportError:
        raise InvalidInput("api serve", "needs the api dependency group: pip install 'vyapari[api]'") \
            from None
    from vyapari.api.gateway import GatewayConfig, LocalGateway, token_secret

    users = UserFile(args.state_dir / USERS_FILE)
    if users.ensure():
        print(f"created {users.path} (mode 0600)", file=sys.stderr)
    _check_binding(args, users)
    secret = token_secret(args.state_dir / SECRET_FILE)
    dev_role = Role[args.insecure_dev_role.upper()] if args.insecure_dev_role else None
    handler = load_handler(args, secret)
    family, kind, proto, _, address = socket.getaddrinfo(args.host, args.port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    websocket = _websocket_server(args, int(sock.getsockname()[1]), secret, users, dev_role)
    host = f"[{args.host}]" if ":" in args.host else args.host
    ws_url = f"ws://{host}:{websocket.port}/"
    app = LocalGateway(handler, GatewayConfig(
        users, secret, token_ttl_s=args.token_ttl, max_body_bytes=args.max_body_bytes, dev_role=dev_role,
        ws_url=ws_url))
    server = create_server(app, sockets=[sock], threads=args.threads, channel_timeout=60, ident="vyapari",
                           max_request_body_size=args.max_body_bytes, expose_tracebacks=False)
    if dev_role is not None:
        print(f"WARNING: --insecure-dev-role: every request without a token acts as "
              f"{args.insecure_dev_role}; for development on this machine only", file=sys.stderr, flush=True)
    if not users.users():
        print("no users yet: add one with `vyapari api users add NAME --role ROLE --state-dir "
              f"{args.state_dir}`", file=sys.stderr, flush=True)
    base = f"http://{host}:{server.effective_port}"
    print(f"vyapari API on {base}/swagger (sign in: POST /auth/login); dashboard on {base}/", flush=True)
    print(f"vyapari WebSocket on {ws_url}?token=<token> (channels quotes, orders, pnl of `vyapari live "
          f"--state-dir {args.live_state_dir}`)", flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(base + "/")
    try:
        server.run()
    finally:
        server.close()
        websocket.stop()
    return 0


def _websocket_server(args: argparse.Namespace, api_port: int, secret: bytes, users: UserFile,
                      dev_role: Role | None) -> Any:
    """The local WebSocket endpoint, listening (:mod:`vyapari.api.local_ws`), on ``--ws-port`` or the
    port after the API's."""
    from vyapari.api.local_live import LIVE_DB
    from vyapari.api.local_ws import LocalWebSocketServer
    from vyapari.api.tokens import HmacTokenVerifier

    port = args.ws_port if args.ws_port is not None else (api_port + 1 if args.port else 0)
    server = LocalWebSocketServer(args.host, port, HmacTokenVerifier(secret), args.live_state_dir / LIVE_DB,
                                  users=users, dev_role=dev_role)
    try:
        server.start()
    except OSError as exc:
        raise InvalidInput("--ws-port", f"cannot listen on {args.host}:{port} ({exc.strerror or exc}); "
                           "choose another with --ws-port") from None
    return server
