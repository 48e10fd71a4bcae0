"""``vyapari login``: the daily broker login, stored as a session in the local secrets file.

Examples::

    vyapari login zerodha --url                      # print the Kite login URL
    vyapari login zerodha --request-token XXXXXX     # after the redirect
    vyapari login upstox --code XXXXXX

API keys and secrets come from the environment (``KITE_API_KEY``, ``KITE_API_SECRET``,
``UPSTOX_API_KEY``, ``UPSTOX_API_SECRET``, ``UPSTOX_REDIRECT_URI``); the session goes to
``VYAPARI_SECRETS_FILE`` (default ``~/.vyapari/secrets.json``, mode 0600). Tokens are never
printed.
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--json", action="store_true", help="print the result as JSON (never the token)")
    parser.set_defaults(func=run)


def _login(args: argparse.Namespace, env: dict[str, str], provider: SessionProvider) -> Any:
    if args.broker == "zerodha":
        from vyapari.brokers.zerodha import kite_config_from_env, kite_login, kite_login_url

        kite = kite_config_from_env(env)
        if args.url:
            return kite_login_url(kite)
        if not args.request_token:
            raise ValueError("zerodha needs --request-token")
        return kite_login(kite, args.request_token, provider)
    from vyapari.brokers.upstox import upstox_config_from_env, upstox_login, upstox_login_url

    upstox = upstox_config_from_env(env)
    if args.url:
        return upstox_login_url(upstox)
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
