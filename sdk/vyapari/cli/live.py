"""``vyapari live``: run a strategy live or on paper (or replay a recorded day); the kill switch.

``vyapari live --broker paper --strategy NAME --replay FOLDER_OR_LAKE [--date D] --speed max|N``
replays a day through the live engine; without ``--replay`` it checks readiness, then trades the
broker's tick stream until SIGTERM, re-checking readiness every minute (new orders are blocked
while a check fails; see :mod:`vyapari.live.service`). ``vyapari live kill`` /
``vyapari live reset`` engage / release the kill switch of the state in ``--state-dir`` (shared
with the running service). Every booked fill is appended to ``--state-dir``/fills/<YYYY-MM-DD>.jsonl
(with the broker's order id) for ``vyapari charges reconcile`` after the close. Its orders,
positions, trades and published messages go to ``--state-dir``/live-records.sqlite, where ``vyapari
api serve --live-state-dir`` (same folder) lists and streams them and leaves manual orders for it
(:mod:`vyapari.api.local_live`).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vyapari.cli._common import date_arg, instant_arg, print_json
from vyapari.core.errors import InvalidInput

if TYPE_CHECKING:  # imported when a command runs: ``vyapari live --help`` stays light
    from vyapari.live.config import LiveCommand, LiveRunConfig
    from vyapari.live.ports import LivePorts, PreOpenReadiness
    from vyapari.live.store import OrderStateStore


def register(sub: argparse._SubParsersAction, name: str, help_text: str) -> None:
    """Add the ``live`` command."""
    p = sub.add_parser(name, help=help_text, description=help_text + ". Times IST; amounts ₹.")
    p.add_argument(
        "action",
        nargs="?",
        default="run",
        choices=["run", "kill", "reset", "status"],
        help="run (default), kill (engage the kill switch), reset (release it), status",
    )
    p.add_argument("--broker", default=None, help="paper, zerodha or upstox (default: $BROKER or paper)")
    p.add_argument("--strategy", help="strategy to run: a reference name, an entry point, "
                   "'package.module:ClassName' or 'path/to/file.py:ClassName'")
    p.add_argument("--params", default="{}", help="strategy parameters as JSON")
    p.add_argument("--symbols", help="comma-separated symbols (default: all in the replay source)")
    p.add_argument("--replay", type=Path, help="minute-bar folder (<SYMBOL>.parquet|csv) or lake root")
    p.add_argument("--date", type=date_arg, help="session to replay (YYYY-MM-DD; default: all in the folder)")
    p.add_argument("--speed", default="max", help="max (as fast as possible) or N (N× real time)")
    p.add_argument(
        "--state-dir",
        type=Path,
        default=Path(".vyapari-live"),
        help="folder of the order-state SQLite file, the paper broker's journal and the fills log",
    )
    p.add_argument("--run-id", default=None, help="deployment id (default: the strategy name)")
    p.add_argument("--capital", type=float, default=None, help="starting cash in ₹ (default 10,00,000)")
    p.add_argument("--fees", default=None, help="zerodha, upstox, none or bps (paper: $PAPER_FEES)")
    p.add_argument("--reason", default="operator", help="kill switch reason")
    p.add_argument("--lake", type=Path, help="lake read by the readiness check")
    p.add_argument("--ready-at", type=instant_arg, help="readiness as of this instant (now)")
    p.add_argument("--skip-ready", action="store_true", help="live: skip the pre-open readiness check")
    p.add_argument("--json", action="store_true", help="print JSON (what this command always prints)")
    # [feed] [recording] market data other than the order broker's; the session into the lake
    p.add_argument("--feed", choices=["zerodha", "upstox"], default=None,
                   help="paper: trade on this broker's live tick stream (default: $PAPER_FEED)")
    p.add_argument("--record-ticks", action="store_true", help="also keep the ticks in the lake's tick store")
    p.add_argument("--no-record", action="store_true", help="do not record the session's bars into --lake")
    p.set_defaults(func=run)


def _speed(text: str) -> float | None:
    """``max`` → None (as fast as possible), else the number of times real time."""
    if text == "max":
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput("speed", f"must be max or a positive number, got {text!r}") from None


def live_command(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> LiveCommand:
    """The ``live`` flags as a validated :class:`LiveCommand`; settings from ``environ`` (default:
    the process environment over ``.env``), the flags on top. ``InvalidInput`` names a bad field."""
    from vyapari.brokers.factory import broker_name
    from vyapari.cli.backtest import _params
    from vyapari.cli.settings import effective_environ
    from vyapari.live.config import LiveCommand, LiveRunConfig, live_settings

    environ = effective_environ() if environ is None else environ
    settings = live_settings(environ, state_dir=args.state_dir, broker=args.broker, capital_inr=args.capital,
                             fees=args.fees)
    if args.action != "run":
        return LiveCommand(args.action, args.state_dir, broker_name(settings), reason=args.reason)
    symbols = tuple(s.strip().upper() for s in args.symbols.split(",") if s.strip()) if args.symbols else None
    config = LiveRunConfig(
        strategy=args.strategy or "", state_dir=args.state_dir, settings=settings,
        params=_params(args.params), symbols=symbols, replay=args.replay, session_date=args.date,
        speed=_speed(args.speed), run_id=args.run_id, capital_inr=args.capital, fees=args.fees or None,
        lake=args.lake, ready_at=args.ready_at, skip_ready=args.skip_ready, feed=args.feed,
        record_ticks=args.record_ticks, record=not args.no_record,
    )
    return LiveCommand("run", args.state_dir, config.broker, reason=args.reason, run=config)


def parse_live(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> LiveCommand:
    """``vyapari live`` arguments (without the program name, starting with ``live``) as a
    :class:`LiveCommand` (see :func:`live_command`); ``SystemExit`` on a usage error."""
    from vyapari.cli.main import build_parser

    parser = build_parser("live")
    args = parser.parse_args(list(argv))
    if args.command != "live":
        parser.error(f"this entrypoint runs 'live' only, not {args.command!r}")
    return live_command(args, environ)


def switch(command: LiveCommand, store: OrderStateStore) -> dict[str, object]:
    """Engage (``kill``) or release (``reset``) the kill switch of ``store``, or only read it
    (``status``); the switch's state afterwards."""
    from vyapari.live.risk import engage_kill_switch, kill_switch_state, reset_kill_switch

    if command.action == "kill":
        engage_kill_switch(store, command.reason)
    elif command.action == "reset":
        reset_kill_switch(store)
    return {"kill_switch": kill_switch_state(store)}


def run(args: argparse.Namespace) -> int:
    """``vyapari live``: flags → :class:`LiveCommand` → :func:`run_live` with the local ports (a
    SQLite order store under ``--state-dir``, the 0600 secrets file, the records of ``vyapari api
    serve --live-state-dir``, a readiness check of local files)."""
    from vyapari.live.ports import LivePorts
    from vyapari.live.runner import run_live
    from vyapari.live.service import StopFlag
    from vyapari.live.store import SqliteOrderStateStore
    from vyapari.strategies import make_strategy

    command = live_command(args)
    store = SqliteOrderStateStore(command.state_dir / "orders.sqlite")
    try:
        if command.run is None:
            print_json(switch(command, store))
            return 0
        config = command.run
        readiness = local_readiness(config, store) if config.checks_readiness else None
        ports = LivePorts(store=store, readiness=readiness, strategies=make_strategy)
        with _local_api(config, command.record_mode, ports) as ports:
            return run_live(config, ports, StopFlag().install())
    finally:
        store.close()


def _local_api(config: LiveRunConfig, mode: str, ports: LivePorts) -> Any:
    """The session's orders, positions, trades and events for ``vyapari api serve --live-state-dir``
    (the same folder), and its manual orders from there (:mod:`vyapari.api.local_live`)."""
    from vyapari.api.local_live import local_live_ports

    return local_live_ports(config.state_dir, mode, ports, {"broker": config.broker,
                            "run_id": config.run_id or config.strategy, "strategy": config.strategy})


def local_readiness(config: LiveRunConfig, store: OrderStateStore) -> PreOpenReadiness:
    """The pre-open check and in-session suite of a local run: the lake of ``--lake``, the local
    secrets file, the kill switch in ``store`` (see :func:`vyapari.cli.ready.suite_config`)."""
    from vyapari.cli.ready import build_report, suite_config
    from vyapari.cli.settings import effective_environ
    from vyapari.live.ports import PreOpenReadiness
    from vyapari.live.service import risk_state_loader

    environ = {**effective_environ(), **config.settings}
    risk = risk_state_loader(store, config.limits)

    def check_args(at: datetime | None) -> argparse.Namespace:
        return argparse.Namespace(broker=config.broker, lake=config.lake, state_dir=config.state_dir,
                                  exchange="NSE", at=at)

    return PreOpenReadiness(
        check=lambda at: build_report(check_args(at), environ, risk_loader=risk),
        suite=suite_config(check_args(config.ready_at), environ),
    )
