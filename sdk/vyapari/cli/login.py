"""``vyapari login``: the daily broker login, stored as a session in the local secrets file.

Examples::

    vyapari login zerodha --url                      # print the Kite login URL (with a fresh state)
    vyapari login zerodha --url --api https://…/prod # the deployed API issues it (VYAPARI_API_TOKEN)
    vyapari login zerodha --request-token XXXXXX     # after the redirect
    vyapari login upstox --code XXXXXX

API keys and secrets come from the environment (``KITE_API_KEY``, ``KITE_API_SECRET``,
``UPSTOX_API_KEY``, ``UPSTOX_API_SECRET``, ``UPSTOX_REDIRECT_URI``); the session goes to
``VYAPARI_SECRETS_FILE`` (default ``~/.vyapari/secrets.json``, mode 0600). Tokens are never
printed.

``--url`` issues the login's anti-forgery state (:mod:`vyapari.brokers.login_state`: random,
single-use, valid 10 minutes) and puts it in the URL; the login callback refuses a redirect without
it. Locally it is stored in the local API's state folder (``--state-dir``, default
``$VYAPARI_API_STATE_DIR`` or ``.vyapari-api``, the folder of ``vyapari api serve``); with ``--api``
the deployed API issues and stores it (``POST /broker/{broker}/login``, trader or admin, with the
Cognito ID token in ``VYAPARI_API_TOKEN``) and answers the URL.
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vyapari.cli._common import print_json

if TYPE_CHECKING:  # the broker clients load when the command runs, not for --help
    from vyapari.brokers.session import SessionProvider


def register(subparsers: Any, name: str, help_text: str) -> None:
    """Add the ``login`` sub-command to ``subparsers``."""
    parser = subparsers.add_parser(name, help=help_text, description=f"{help_text}. Times in IST.")
    parser.add_argument("broker", choices=["zerodha", "upstox"], help="the broker to log in to")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--request-token", help="Kite: the request_token from the login redirect")
    group.add_argument("--code", help="Upstox: the authorization code from the login redirect")
    group.add_argument("--url", action="store_true", help="print the browser login URL and exit")
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="with --url: the local API's state folder that stores the login state "
                        "(default $VYAPARI_API_STATE_DIR or .vyapari-api)")
    parser.add_argument("--api", metavar="URL",
                        help="with --url: the deployed REST API's base URL issues the login state and URL "
                        "(Cognito ID token in VYAPARI_API_TOKEN)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON (never the token)")
    parser.set_defaults(func=run)


def _state(args: argparse.Namespace, env: dict[str, str]) -> str:
    """A new login state for ``args.broker``, stored in the local API's state folder."""
    from vyapari.brokers.login_state import FileLoginStates

    folder = args.state_dir or Path(env.get("VYAPARI_API_STATE_DIR") or ".vyapari-api")
    return FileLoginStates(folder).issue(args.broker, time.time())


def remote_login_url(api: str, broker: str, token: str, timeout_s: float = 30.0) -> str:
    """Ask the REST API at ``api`` to start a login (``POST /broker/{broker}/login``); its URL."""
    if not token:
        raise ValueError("--api needs the Cognito ID token in VYAPARI_API_TOKEN")
    request = urllib.request.Request(f"{api.rstrip('/')}/broker/{broker}/login", data=b"{}", method="POST",
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return str(json.loads(response.read())["login_url"])
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read()).get("message", "")
        except ValueError:
            message = ""
        raise ValueError(f"{api} refused to start the {broker} login: HTTP {exc.code} {message}") from None


def _login(args: argparse.Namespace, env: dict[str, str], provider: SessionProvider) -> Any:
    if args.url and args.api:
        return remote_login_url(args.api, args.broker, env.get("VYAPARI_API_TOKEN", ""))
    if args.broker == "zerodha":
        from vyapari.brokers.zerodha import kite_config_from_env, kite_login, kite_login_url

        kite = kite_config_from_env(env)
        if args.url:
            return kite_login_url(kite, _state(args, env))
        if not args.request_token:
            raise ValueError("zerodha needs --request-token")
        return kite_login(kite, args.request_token, provider)
    from vyapari.brokers.upstox import upstox_config_from_env, upstox_login, upstox_login_url

    upstox = upstox_config_from_env(env)
    if args.url:
        return upstox_login_url(upstox, _state(args, env))
    if not args.code:
        raise ValueError("upstox needs --code")
    return upstox_login(upstox, args.code, provider)


def run(args: argparse.Namespace) -> int:
    """Exchange the token or code for a session and store it; prints where and until when."""
    from vyapari.brokers.factory import secrets_store_from_settings
    from vyapari.brokers.session import SessionProvider
    from vyapari.cli.settings import effective_environ

    env = effective_environ()  # the environment over .env
    store = secrets_store_from_settings(env)
    result = _login(args, env, SessionProvider(args.broker, store))
    if isinstance(result, str):
        if args.json:
            print_json({"broker": args.broker, "login_url": result})
        else:
            print(result)
        return 0
    if args.json:
        print_json({"broker": args.broker, "user_id": result.user_id,
                    "valid_until": result.valid_until.isoformat(), "stored": "secrets file"})
        return 0
    print(f"logged in to {args.broker} as {result.user_id or 'unknown user'}; "
          f"session valid until {result.valid_until.isoformat()} (IST), stored in the secrets file")
    return 0
