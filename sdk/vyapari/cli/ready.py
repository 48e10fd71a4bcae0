"""``vyapari ready``: the pre-open trading-day readiness check; exit 0 ready, 1 not ready, 2 bad input.

Examples
--------
``vyapari ready --broker zerodha --lake ./lake --json`` prints the JSON report
(``ready``, ``errors``, one object per check with ``status`` pass/fail/skip, ``reason``, ``error``).

The ``risk`` check reads the live state folder (``--state-dir``, default ``.vyapari-live`` as for
``vyapari live``): the kill switch in its ``orders.sqlite`` (off when no live run has written the
folder yet) and the risk limits from the settings (``RISK_*``, ``DAILY_LOSS_LIMIT_INR``).

Settings (flags > environment > ``.env``): ``REGISTERED_EGRESS_IP`` (the IP registered with the broker),
``EGRESS_IP_URL`` (plain-text "what is my IP" service; default checkip.amazonaws.com) and
``VYAPARI_SECRETS_FILE`` (where ``vyapari login`` stored the session). The tick feed is probed by
the live service, which holds the stream; here that check is reported as skipped.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vyapari.cli._common import instant_arg, print_json

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from vyapari.brokers.secrets import SecretsStore
    from vyapari.readiness import ReadinessReport, RiskState, SuiteConfig

EXIT_NOT_READY = 1


def register(subparsers: Any, name: str, help_text: str) -> None:
    """Add the ``ready`` sub-command to ``subparsers`` (an argparse sub-parsers action)."""
    p = subparsers.add_parser(name, help=help_text, description=help_text + ". Times are IST.")
    p.add_argument(
        "--broker", choices=["paper", "zerodha", "upstox"], help="broker to check (default: BROKER or paper)"
    )
    p.add_argument("--lake", type=Path, help="lake folder (ingestion and instrument snapshots)")
    p.add_argument(
        "--state-dir",
        type=Path,
        default=Path(".vyapari-live"),
        help="live state folder (kill switch), as for 'vyapari live' (default .vyapari-live)",
    )
    p.add_argument("--exchange", type=str.upper, choices=["NSE", "BSE"], default="NSE", help="exchange")
    p.add_argument("--at", type=instant_arg, help="check as of this instant (default: now)")
    p.add_argument("--json", action="store_true", help="print the JSON report")
    p.set_defaults(func=run)


def _risk_loader(state_dir: Path | None, env: dict[str, str]) -> Any:
    if state_dir is None:
        return None

    def load() -> RiskState:
        from vyapari.live.risk import kill_switch_state, risk_limits_from_env
        from vyapari.live.store import SqliteOrderStateStore
        from vyapari.readiness import RiskState

        limits = risk_limits_from_env(env)  # a bad value fails the check, naming the variable
        path = state_dir / "orders.sqlite"
        if not path.is_file():  # no live run has written this folder: nothing engaged a kill switch
            return RiskState(limits=limits, kill_switch=None)
        store = SqliteOrderStateStore(path)
        try:
            return RiskState(limits=limits, kill_switch=kill_switch_state(store))
        finally:
            store.close()

    return load


def suite_config(
    args: argparse.Namespace,
    env: dict[str, str],
    *,
    secrets: SecretsStore | None = None,
    clock: Callable[[], datetime] | None = None,
    risk_loader: Callable[[], RiskState] | None = None,
) -> SuiteConfig:
    """The standard suite's dependencies from ``args`` (broker, lake, state dir, exchange) and ``env``.

    ``secrets`` is where the broker session lives (Secrets Manager in AWS); the local 0600
    file named by ``VYAPARI_SECRETS_FILE`` by default. ``clock`` is the session loader's (IST
    wall time by default); ``risk_loader`` replaces the one reading ``--state-dir``.
    """
    from vyapari.brokers.factory import secrets_store_from_settings
    from vyapari.brokers.session import SessionProvider, now_ist
    from vyapari.data.storage import LocalObjectStore
    from vyapari.readiness import SuiteConfig, egress_ip_from_url
    from vyapari.readiness.egress import DEFAULT_EGRESS_URL

    loader = None
    if args.broker != "paper":
        store = secrets or secrets_store_from_settings(env)
        loader = SessionProvider(args.broker, store, clock=clock or now_ist).current
    return SuiteConfig(
        broker=args.broker, store=LocalObjectStore(args.lake) if args.lake else None,
        session_loader=loader, egress_ip=egress_ip_from_url(env.get("EGRESS_IP_URL") or DEFAULT_EGRESS_URL),
        registered_ip=env.get("REGISTERED_EGRESS_IP"),
        risk_loader=risk_loader or _risk_loader(args.state_dir, env), exchange=args.exchange,
    )


def build_report(
    args: argparse.Namespace,
    env: dict[str, str],
    *,
    secrets: SecretsStore | None = None,
    risk_loader: Callable[[], RiskState] | None = None,
) -> ReadinessReport:
    """Wire the standard suite from ``args`` and ``env`` (see :func:`suite_config`) and run it once
    as of ``args.at`` (default now)."""
    from vyapari.brokers.session import now_ist
    from vyapari.market.calendar import get_calendar
    from vyapari.readiness import run_checks, standard_checks

    now = args.at or now_ist()
    config = suite_config(args, env, secrets=secrets, clock=lambda: now, risk_loader=risk_loader)
    return run_checks(standard_checks(config), get_calendar(args.exchange), now=now, broker=args.broker)


def run(args: argparse.Namespace) -> int:
    """Execute ``vyapari ready``; 0 when every check passes or is skipped, 1 otherwise."""
    from vyapari.cli.settings import effective_environ, load_settings

    env = effective_environ({"broker": args.broker})
    args.broker = load_settings({"broker": args.broker}).broker.strip().lower()
    if args.broker not in ("paper", "zerodha", "upstox"):
        from vyapari.core.errors import InvalidInput

        raise InvalidInput("BROKER", f"{args.broker!r} is not paper, zerodha or upstox")
    report = build_report(args, env)
    if args.json:
        print_json(report.to_dict())
    else:
        for r in report.results:
            error = f" [{r.error.__name__}]" if r.error else ""
            print(f"{r.status.value.upper():4}  {r.name:15} {r.reason}{error}")
        print("READY" if report.ready else f"NOT READY: {len(report.failures)} check(s) failed")
    return 0 if report.ready else EXIT_NOT_READY
