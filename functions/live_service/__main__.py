"""Run ``vyapari live`` with the AWS ports: ``python -m functions.live_service live --broker ... ``.

The arguments are exactly those of ``vyapari live`` (parsed by the sdk's own parser); the order
state goes to DynamoDB, the broker session is read from Secrets Manager (re-read while running,
so the morning login needs no restart), orders, trades and positions are recorded for the REST API
(partition ``paper`` for the paper broker, else ``live``), updates go to the WebSocket channels and
metrics are EMF lines on stdout (see :mod:`functions.live_service.ports`).

Before trading a live stream (not a replay, not ``--skip-ready``), the pre-open readiness suite
runs here against the S3 lake, the Secrets Manager session and the DynamoDB kill switch, and
emits ``ready`` (0/1); on a day that is not a session the service waits, re-checking every
15 minutes, instead of exiting (a holiday must not look like a crashed service). The passing
report and the same AWS-wired suite go to the CLI's run, which gates orders on them and re-checks
during the session. While a run trades, its fills log is kept in the lake every
``FILLS_UPLOAD_INTERVAL_S`` seconds and at stop, after the session's copy was restored from there (a
replacement task continues the day's log; :mod:`functions.live_service.fills_upload`).
Exit status: 0 done, 1 not ready, 2 bad arguments or settings.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace

from functions.live_service.fills_upload import FillsUploader, fills_kept
from functions.live_service.ports import LiveServiceSettings, build_lake, build_ports, close_ports
from functions.shared.readiness_suite import (
    ReadinessSources,
    check_readiness,
    error_names,
    suite_config,
)
from vyapari.brokers.redact import install_excepthook, redact
from vyapari.brokers.session import now_ist
from vyapari.cli import live as live_cli
from vyapari.cli.main import EXIT_USAGE, build_parser
from vyapari.core.errors import VyapariError
from vyapari.live.fills_log import FILLS_DIR
from vyapari.live.ports import LivePorts
from vyapari.live.preopen import HOLIDAY_RECHECK_S, wait_for_session
from vyapari.readiness import ReadinessReport

EXIT_NOT_READY = live_cli.EXIT_NOT_READY
log = logging.getLogger("functions.live_service")


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """The ``vyapari live`` arguments; ``SystemExit`` on a usage error (as the CLI)."""
    args = build_parser("live").parse_args(list(argv))
    if args.command != "live":
        build_parser("live").error(f"this entrypoint runs 'live' only, not {args.command!r}")
    return args


def record_mode(args: argparse.Namespace, env: Mapping[str, str]) -> str:
    """``paper`` for the paper broker (``--broker``, else ``BROKER``, else paper), ``live`` otherwise."""
    broker = args.broker or env.get("BROKER") or "paper"
    return "paper" if broker == "paper" else "live"


def needs_preopen_check(args: argparse.Namespace) -> bool:
    """True for a live stream run (no replay) without ``--skip-ready``."""
    return args.action == "run" and args.replay is None and not args.skip_ready


def readiness_sources(args: argparse.Namespace, settings: LiveServiceSettings, ports: LivePorts,
                      env: Mapping[str, str]) -> ReadinessSources:
    """The lake (``LAKE_URI``), the session secrets and the order store the checks read."""
    if ports.store is None or ports.secrets is None:
        raise ValueError("the live service needs its order store and secrets store")
    broker = args.broker or env.get("BROKER") or "paper"
    return ReadinessSources(broker, build_lake(settings), ports.secrets, ports.store)


def preopen_ready(args: argparse.Namespace, sources: ReadinessSources, ports: LivePorts,
                  env: Mapping[str, str], stop: threading.Event) -> ReadinessReport:
    """Check readiness (waiting through holidays unless ``--ready-at`` is given: the live package's
    one wait, :func:`vyapari.live.preopen.wait_for_session`); print failures."""
    report = wait_for_session(
        lambda: check_readiness(sources, env, args.ready_at or now_ist()),
        stop.is_set,
        fixed_instant=args.ready_at is not None,
        every_s=HOLIDAY_RECHECK_S,
        sleep=stop.wait,
    )
    if ports.metrics is not None:
        ports.metrics.observe("ready", 1.0 if report.ready else 0.0)
    for failure, name in zip(report.failures, error_names(report), strict=True):
        print(f"not ready: {failure.name}: {failure.reason} [{name}]", file=sys.stderr)
    return report


def checked_before_trading(args: argparse.Namespace, sources: ReadinessSources, ports: LivePorts,
                           env: Mapping[str, str]) -> ReadinessReport:
    """:func:`preopen_ready` with SIGTERM ending a holiday wait; the previous handler is restored."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        return preopen_ready(args, sources, ports, env, stop)
    finally:
        signal.signal(signal.SIGTERM, previous)


def kept_fills(args: argparse.Namespace, settings: LiveServiceSettings, ports: LivePorts,
               run: str) -> AbstractContextManager[FillsUploader | None]:
    """The fills log of ``--state-dir`` kept in the lake under ``live/fills/<run>/`` while the run
    trades; the session's copy (``--date``, else today in IST) is restored first."""
    return fills_kept(args.state_dir / FILLS_DIR, build_lake(settings), run, args.date or now_ist().date(),
                      interval_s=settings.fills_upload_interval_s, metrics=ports.metrics)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run the service; returns the exit status (see the module docstring).

    Uncaught exceptions of every thread are printed with credentials masked.
    """
    install_excepthook()
    env = dict(os.environ if env is None else env)
    try:
        args = parse(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    live_cli.configure_logging()
    try:
        settings = LiveServiceSettings.from_env(env)
        journal_id = env.get("PAPER_JOURNAL_ID") or args.run_id or args.strategy or "paper"
        ports = build_ports(settings, mode=record_mode(args, env), journal_id=journal_id)
        ports = replace(ports, lake=build_lake(settings))  # [recording] the session's bars into LAKE_URI
    except (VyapariError, ValueError) as exc:
        print(redact(f"live service: error: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    try:
        if needs_preopen_check(args):
            sources = readiness_sources(args, settings, ports, env)
            report = checked_before_trading(args, sources, ports, env)
            if not report.ready:
                return EXIT_NOT_READY
            # checked here against AWS (the CLI's own check reads local files); the CLI gates
            # orders on this report and re-checks in the session with the same AWS-wired suite
            with kept_fills(args, settings, ports, journal_id):
                return int(live_cli.run(args, ports, pre_open=report, suite=suite_config(sources, env)) or 0)
        if args.action != "run":
            return int(live_cli.run(args, ports) or 0)
        with kept_fills(args, settings, ports, journal_id):
            return int(live_cli.run(args, ports) or 0)
    except (VyapariError, ValueError) as exc:
        print(redact(f"live service: error: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    finally:
        close_ports(ports)


if __name__ == "__main__":
    sys.exit(main())
