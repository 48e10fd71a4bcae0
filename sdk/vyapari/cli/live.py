"""``vyapari live``: run a strategy live or on paper (or replay a recorded day); the kill switch.

``vyapari live --broker paper --strategy NAME --replay FOLDER_OR_LAKE [--date D] --speed max|N``
replays a day through the live engine; without ``--replay`` it trades the broker's tick
stream until SIGTERM. ``vyapari live kill`` / ``vyapari live reset`` engage / release the
kill switch of the state in ``--state-dir`` (shared with the running service).
"""

from __future__ import annotations

import argparse
import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from vyapari.cli._common import date_arg, instant_arg, print_json
from vyapari.live.ports import LivePorts

EXIT_NOT_READY = 1


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
    p.add_argument("--strategy", help="strategy to run")
    p.add_argument("--params", default="{}", help="strategy parameters as JSON")
    p.add_argument("--symbols", help="comma-separated symbols (default: all in the replay source)")
    p.add_argument("--replay", type=Path, help="minute-bar folder (<SYMBOL>.parquet|csv) or lake root")
    p.add_argument("--date", type=date_arg, help="session to replay (YYYY-MM-DD; default: all in the folder)")
    p.add_argument("--speed", default="max", help="max (as fast as possible) or N (N× real time)")
    p.add_argument(
        "--state-dir",
        type=Path,
        default=Path(".vyapari-live"),
        help="folder of the order-state SQLite file and the paper broker's journal",
    )
    p.add_argument("--run-id", default=None, help="deployment id (default: the strategy name)")
    p.add_argument("--capital", type=float, default=None, help="starting cash in ₹ (default 10,00,000)")
    p.add_argument("--fees", default=None, help="zerodha, upstox, none or bps (paper: $PAPER_FEES)")
    p.add_argument("--reason", default="operator", help="kill switch reason")
    p.add_argument("--lake", type=Path, help="lake read by the readiness check")
    p.add_argument("--ready-at", type=instant_arg, help="readiness as of this instant (now)")
    p.add_argument("--skip-ready", action="store_true", help="live: skip the pre-open readiness check")
    p.set_defaults(func=run)


def _settings(args: argparse.Namespace) -> dict[str, str]:
    settings = {k: v for k, v in os.environ.items() if k.startswith(("BROKER", "PAPER_", "KITE_", "UPSTOX_"))}
    settings["VYAPARI_SECRETS_FILE"] = os.environ.get("VYAPARI_SECRETS_FILE", "")
    if args.broker:
        settings["BROKER"] = args.broker
    if args.capital is not None:
        settings["PAPER_INITIAL_CAPITAL"] = str(args.capital)
    if args.fees:
        settings["PAPER_FEES"] = args.fees
    settings.setdefault("PAPER_STATE_FILE", str(args.state_dir / "paper-journal.jsonl"))
    return settings


def run(args: argparse.Namespace, ports: LivePorts | None = None) -> int:
    """Dispatch the action; ``ports`` replaces the local defaults (see :class:`LivePorts`)."""
    from vyapari.live.store import SqliteOrderStateStore

    ports = ports or LivePorts()
    store = ports.store or SqliteOrderStateStore(args.state_dir / "orders.sqlite")
    ports = replace(ports, store=store)
    try:
        if args.action != "run":
            return _switch(args, store)
        return _run(args, ports)
    finally:
        if isinstance(store, SqliteOrderStateStore):
            store.close()


def _switch(args: argparse.Namespace, store: Any) -> int:
    from vyapari.live.risk import engage_kill_switch, kill_switch_state, reset_kill_switch

    if args.action == "kill":
        engage_kill_switch(store, args.reason)
    elif args.action == "reset":
        reset_kill_switch(store)
    print_json({"kill_switch": kill_switch_state(store)})
    return 0


def _run(args: argparse.Namespace, ports: LivePorts) -> int:
    from vyapari.brokers.factory import make_broker
    from vyapari.cli.backtest import _params
    from vyapari.core.errors import InvalidInput
    from vyapari.live.service import StopFlag, run_stream
    from vyapari.model.enums import Exchange
    from vyapari.strategies import make_strategy

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if not args.strategy:
        raise InvalidInput("--strategy", "required to run")
    speed = None if args.speed == "max" else float(args.speed)
    if speed is not None and not speed > 0:
        raise InvalidInput("--speed", f"must be max or a positive number, got {args.speed!r}")
    settings = _settings(args)
    broker = make_broker(settings, secrets=ports.secrets)
    strategy = make_strategy(args.strategy, _params(args.params))
    stop = StopFlag().install()
    symbols = [s.strip().upper() for s in args.symbols.split(",")] if args.symbols else None
    if args.replay is None:
        if not symbols:
            raise InvalidInput("--symbols", "required without --replay")
        if not args.skip_ready and not _ready(args, settings, stop, ports):
            return EXIT_NOT_READY
        engine = _engine(args, strategy, broker, ports, symbols, None)
        run_stream(engine, stop)
    else:
        from vyapari.live.replay import load_replay_panel, replay

        panel = load_replay_panel(args.replay, args.date, Exchange.NSE, symbols)
        engine = _engine(args, strategy, broker, ports, list(panel.symbols), panel.lot_sizes)
        replay(engine, panel, speed, stop)
    print_json({"stopped_early": stop(), **engine.summary()})
    return 0


def _ready(args: argparse.Namespace, settings: dict[str, str], stop: Any, ports: LivePorts) -> bool:
    """Run the pre-open readiness check; print the failures and refuse to trade on any.

    On a day that is not a session (and no ``--ready-at``), the service waits, checking again
    every 15 minutes, instead of exiting: a holiday must not look like a crashed service.
    """
    import sys
    import time

    from vyapari.cli.ready import build_report
    from vyapari.readiness import NotASession

    check = argparse.Namespace(broker=settings.get("BROKER", args.broker or "paper"), lake=args.lake,
                               state_dir=args.state_dir, exchange="NSE", at=args.ready_at)
    while True:
        report = build_report(check, {**os.environ, **settings}, secrets=ports.secrets)
        holiday = bool(report.failures) and all(f.error is NotASession for f in report.failures)
        if report.ready or not holiday or args.ready_at is not None or stop():
            break
        logging.getLogger(__name__).info("no session today: waiting for the next one")
        for _ in range(15 * 60):
            if stop():
                break
            time.sleep(1)
    for failure in report.failures:
        error = failure.error.__name__ if failure.error else "NotReady"
        print(f"not ready: {failure.name}: {failure.reason} [{error}]", file=sys.stderr)
    return bool(report.ready)


def _engine(
    args: argparse.Namespace, strategy: Any, broker: Any, ports: LivePorts, symbols: list[str], lots: Any
) -> Any:
    from vyapari.live.bars import SessionTable
    from vyapari.live.engine import LiveConfig, LiveEngine
    from vyapari.live.ports import EmfMetrics, NullPublisher
    from vyapari.market.calendar import get_calendar

    capital = float(getattr(getattr(broker, "config", None), "initial_capital", args.capital or 1_000_000))
    fees = getattr(getattr(broker, "config", None), "fees", None) or args.fees or "zerodha"
    config = LiveConfig(run_id=args.run_id or strategy.name, capital_inr=capital, fees=fees)
    metrics = ports.metrics
    if metrics is None:
        metrics_path = args.state_dir / "metrics.jsonl"
        metrics = EmfMetrics(stream=metrics_path.open("a", encoding="utf-8"))
    if ports.store is None:
        raise ValueError("LivePorts.store must be set by run()")
    return LiveEngine(
        strategy,
        broker,
        symbols,
        config,
        ports.store,
        SessionTable(get_calendar("NSE").session_bounds),
        lot_sizes=lots,
        publisher=ports.publisher or NullPublisher(),
        metrics=metrics,
    )
