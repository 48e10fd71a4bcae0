"""Run a live session with the AWS ports: ``python -m functions.live_service live --broker ... ``.

The arguments are exactly those of ``vyapari live``, read over the task's environment into the
same :class:`~vyapari.live.config.LiveRunConfig` as the CLI's (:func:`vyapari.cli.live.parse_live`),
then run by :func:`vyapari.live.runner.run_live`. The ports differ: the order state goes to
DynamoDB, the broker session is read from Secrets Manager (re-read while running, so the morning
login needs no restart), orders, trades and positions are recorded for the REST API (partition
``paper`` for the paper broker, else ``live``), updates go to the WebSocket channels and metrics
are EMF lines on stdout (see :mod:`functions.live_service.ports`); the readiness checks (before
trading a stream, and re-checked in the session) read the S3 lake, the Secrets Manager session
and the DynamoDB kill switch. While a run trades, its fills log is kept in the lake every
``FILLS_UPLOAD_INTERVAL_S`` seconds and at stop, after the session's copy was restored from there (a
replacement task continues the day's log; :mod:`functions.live_service.fills_upload`).
Exit status: 0 done, 1 not ready, 2 bad arguments or settings.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace

from functions.live_service.fills_upload import FillsUploader, fills_kept
from functions.live_service.ports import LiveServiceSettings, build_lake, build_ports, close_ports
from functions.shared.readiness_suite import ReadinessSources, check_readiness, suite_config
from vyapari.brokers.redact import install_excepthook, redact
from vyapari.brokers.session import now_ist
from vyapari.cli.live import parse_live, switch
from vyapari.cli.main import EXIT_USAGE
from vyapari.core.errors import VyapariError
from vyapari.live.config import LiveCommand, LiveRunConfig
from vyapari.live.fills_log import FILLS_DIR
from vyapari.live.ports import LivePorts, PreOpenReadiness
from vyapari.live.runner import EXIT_NOT_READY, configure_logging, run_live
from vyapari.live.service import StopFlag
from vyapari.strategies import make_strategy

__all__ = ["EXIT_NOT_READY", "main", "parse", "record_mode"]
log = logging.getLogger("functions.live_service")


def parse(argv: Sequence[str], env: Mapping[str, str]) -> LiveCommand:
    """The ``vyapari live`` arguments over the task's environment ``env``, as the CLI reads them
    (:func:`vyapari.cli.live.parse_live`); ``SystemExit`` on a usage error, ``InvalidInput``
    naming a bad field."""
    return parse_live(argv, env)


def record_mode(command: LiveCommand) -> str:
    """``paper`` for the paper broker (``--broker``, else ``BROKER``, else paper), ``live`` otherwise."""
    return command.record_mode


def aws_readiness(config: LiveRunConfig, settings: LiveServiceSettings, ports: LivePorts,
                  env: Mapping[str, str]) -> PreOpenReadiness:
    """The pre-open check and the in-session suite against the S3 lake (``LAKE_URI``), the Secrets
    Manager session and the DynamoDB kill switch."""
    if ports.store is None or ports.secrets is None:
        raise ValueError("the live service needs its order store and secrets store")
    sources = ReadinessSources(config.broker, build_lake(settings), ports.secrets, ports.store)
    return PreOpenReadiness(check=lambda at: check_readiness(sources, env, at),
                            suite=suite_config(sources, env))


def kept_fills(config: LiveRunConfig, settings: LiveServiceSettings, ports: LivePorts,
               run: str) -> AbstractContextManager[FillsUploader | None]:
    """The fills log of the state dir kept in the lake under ``live/fills/<run>/`` while the run
    trades; the session's copy (the replayed date, else today in IST) is restored first."""
    return fills_kept(config.state_dir / FILLS_DIR, build_lake(settings), run,
                      config.session_date or now_ist().date(), interval_s=settings.fills_upload_interval_s,
                      metrics=ports.metrics)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run the service; returns the exit status (see the module docstring).

    Uncaught exceptions of every thread are printed with credentials masked.
    """
    install_excepthook()
    env = dict(os.environ if env is None else env)
    configure_logging()
    try:
        command = parse(sys.argv[1:] if argv is None else argv, env)
        settings = LiveServiceSettings.from_env(env)
        config = command.run
        run_name = config.run_id or config.strategy if config is not None else None
        journal_id = env.get("PAPER_JOURNAL_ID") or run_name or "paper"
        ports = build_ports(settings, mode=command.record_mode, journal_id=journal_id)
        # [recording] the session's bars into LAKE_URI; the strategies of the sdk and its plugins
        ports = replace(ports, lake=build_lake(settings), strategies=make_strategy)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except (VyapariError, ValueError) as exc:
        print(redact(f"live service: error: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    try:
        if config is None:
            if ports.store is None:
                raise ValueError("the live service needs its order store")
            print(_json(switch(command, ports.store)))
            return 0
        if config.checks_readiness:
            ports = replace(ports, readiness=aws_readiness(config, settings, ports, env))
        with kept_fills(config, settings, ports, journal_id):
            return run_live(config, ports, StopFlag().install())
    except (VyapariError, ValueError) as exc:
        print(redact(f"live service: error: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    finally:
        close_ports(ports)


def _json(payload: object) -> str:
    import json

    return json.dumps(payload, indent=2, default=str, ensure_ascii=False)


if __name__ == "__main__":
    sys.exit(main())
