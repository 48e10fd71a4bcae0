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
import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from vyapari.cli._common import date_arg, instant_arg, print_json
from vyapari.live.ports import LivePorts

if TYPE_CHECKING:
    from vyapari.readiness import ReadinessReport, SuiteConfig

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


def _settings(args: argparse.Namespace) -> dict[str, str]:
    from vyapari.cli.settings import effective_environ

    prefixes = ("BROKER", "PAPER_", "KITE_", "UPSTOX_", "RISK_", "DAILY_LOSS_LIMIT_INR")
    flags = {"broker": args.broker, "paper_initial_capital": args.capital, "paper_fees": args.fees or None}
    environ = effective_environ(flags)  # flags > environment > .env
    settings = {k: v for k, v in environ.items() if k.startswith(prefixes)}
    settings["VYAPARI_SECRETS_FILE"] = environ.get("VYAPARI_SECRETS_FILE", "")
    settings.setdefault("PAPER_STATE_FILE", str(args.state_dir / "paper-journal.jsonl"))
    return settings


def run(
    args: argparse.Namespace,
    ports: LivePorts | None = None,
    *,
    pre_open: ReadinessReport | None = None,
    suite: SuiteConfig | None = None,
) -> int:
    """Dispatch the action; ``ports`` replaces the local defaults (see :class:`LivePorts`).

    ``pre_open`` is a readiness report the caller already made (the AWS entrypoint checks against
    S3 and Secrets Manager): no check is run here; a failed one refuses to trade, a passing one is
    recorded in the engine's gate and re-checked in the session with ``suite`` (default: wired from
    the arguments, the environment and ``ports.secrets``).
    """
    from vyapari.live.store import SqliteOrderStateStore

    local = ports is None  # the command line's own session (not a deployment's entrypoint)
    ports = ports or LivePorts()
    store = ports.store or SqliteOrderStateStore(args.state_dir / "orders.sqlite")
    ports = replace(ports, store=store)
    try:
        if args.action != "run":
            return _switch(args, store)
        with _local_api(args, ports) if local else nullcontext(ports) as ports:
            return _run(args, ports, pre_open, suite)
    finally:
        if isinstance(store, SqliteOrderStateStore):
            store.close()


def _local_api(args: argparse.Namespace, ports: LivePorts) -> Any:
    """With the CLI's defaults, the session's orders, positions, trades and events for ``vyapari api
    serve --live-state-dir`` (the same folder), and its manual orders from there
    (:mod:`vyapari.api.local_live`)."""
    from vyapari.api.local_live import local_live_ports

    broker = _settings(args).get("BROKER") or "paper"
    return local_live_ports(args.state_dir, "paper" if broker == "paper" else "live", ports,
                            {"broker": broker, "run_id": args.run_id or args.strategy,
                             "strategy": args.strategy})


def _switch(args: argparse.Namespace, store: Any) -> int:
    from vyapari.live.risk import engage_kill_switch, kill_switch_state, reset_kill_switch

    if args.action == "kill":
        engage_kill_switch(store, args.reason)
    elif args.action == "reset":
        reset_kill_switch(store)
    print_json({"kill_switch": kill_switch_state(store)})
    return 0


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(stream: TextIO | None = None) -> None:
    """INFO lines of the live service to ``stream`` (stderr by default), credentials masked.

    Lines are written on the engine's thread: a listener thread (``QueueHandler``) measured
    worse, as it takes the GIL from the engine in the middle of a slice (busy-slice p99 about 3×
    in ``benchmarks/bench_live.py``).
    """
    from vyapari.brokers.redact import install_redaction

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=stream)
    install_redaction()


def _run(
    args: argparse.Namespace, ports: LivePorts, pre_open: ReadinessReport | None, suite: SuiteConfig | None
) -> int:
    from vyapari.brokers.factory import make_broker
    from vyapari.cli.backtest import _params
    from vyapari.core.errors import InvalidInput
    from vyapari.live.service import StopFlag, run_stream
    from vyapari.model.enums import Exchange
    from vyapari.strategies import make_strategy

    configure_logging()
    if not args.strategy:
        raise InvalidInput("--strategy", "required to run")
    speed = None if args.speed == "max" else float(args.speed)
    if speed is not None and not speed > 0:
        raise InvalidInput("--speed", f"must be max or a positive number, got {args.speed!r}")
    settings = _settings(args)
    from vyapari.live.market_feed import check_feed, market_stream  # [feed]
    from vyapari.live.recording import recorded  # [recording]

    paper = settings.get("BROKER", "paper") == "paper" and args.replay is None  # [feed] PAPER_FEED: paper
    feed = check_feed(args.feed or (settings.get("PAPER_FEED") if paper else None),  # [feed]
                      settings.get("BROKER", "paper"), replay=args.replay is not None)
    lake = _record_lake(args, ports)  # [recording]
    broker = make_broker(settings, secrets=ports.secrets, journal=ports.paper_journal)
    params = _params(args.params)
    strategy = make_strategy(args.strategy, params)
    warm_up(args.strategy, params)
    stop = StopFlag().install()
    symbols = [s.strip().upper() for s in args.symbols.split(",")] if args.symbols else None
    if args.replay is None:
        if not symbols:
            raise InvalidInput("--symbols", "required without --replay")
        report = pre_open if pre_open is not None or args.skip_ready else _ready(args, settings, stop, ports)
        if report is not None and not report.ready:
            return EXIT_NOT_READY
        lots, freeze = _instrument_limits(args, settings, symbols)
        stream = market_stream(broker, feed, settings, secrets=ports.secrets, lake=lake)  # [feed]
        engine = _engine(
            args, settings, strategy, broker, ports, symbols, lots, freeze, gated=report is not None
        )
        monitor = None if report is None else _monitor(args, settings, ports, engine, report, suite)
        with _fills_log(args, engine), _collecting(engine), \
                recorded(engine, lake, ticks=args.record_ticks, stream=stream):  # [recording]
            run_stream(engine, stream, stop, monitor=monitor)  # [feed] the market feed's ticks
    else:
        from vyapari.live.replay import load_replay_panel, replay

        panel = load_replay_panel(args.replay, args.date, Exchange.NSE, symbols)
        from vyapari.strategy.volume import check_volume

        check_volume(strategy, panel)  # as the backtest: refuse volume-free bars by name
        _say_paper_differences(broker)
        engine = _engine(args, settings, strategy, broker, ports, list(panel.symbols), panel.lot_sizes, None)
        with _fills_log(args, engine), _collecting(engine), recorded(engine, lake):  # [recording]
            replay(engine, panel, speed, stop)
    print_json({"stopped_early": stop(), **engine.summary()})
    return 0


def _record_lake(args: argparse.Namespace, ports: LivePorts) -> Any:
    """[recording] Where the session's bars are recorded: the deployment's lake, else ``--lake``."""
    if args.no_record:
        return None
    if ports.lake is not None:
        return ports.lake
    from vyapari.data.storage import LocalObjectStore

    return LocalObjectStore(args.lake) if args.lake is not None else None


def _say_paper_differences(broker: Any) -> None:
    """On stderr, the paper settings that make this replay differ from a default backtest."""
    import sys

    from vyapari.brokers.paper.config import PaperConfig, differences_from_backtest

    config = getattr(getattr(broker, "exchange", None), "config", None)
    if not isinstance(config, PaperConfig):
        return
    found = differences_from_backtest(config)
    if found:
        print("paper settings that differ from the backtest's defaults: " + "; ".join(found),
              file=sys.stderr)
    else:
        print("paper settings: the backtest's defaults (fees, slippage, capital, leverage)", file=sys.stderr)


@contextmanager
def _fills_log(args: argparse.Namespace, engine: Any) -> Iterator[None]:
    """Log the engine's fills to ``--state-dir``/fills/<YYYY-MM-DD>.jsonl as they are booked (for
    ``vyapari charges reconcile`` after the close); on stop, write any missing and close."""
    from vyapari.live.fills_log import FILLS_DIR, FillLog

    log = FillLog(args.state_dir / FILLS_DIR)
    engine.fill_sink = log
    try:
        yield
    finally:
        log.sync(engine.account.portfolio.fills)
        log.close()


@contextmanager
def _collecting(engine: Any) -> Iterator[None]:
    """Garbage collection between slices only, for the session (see :mod:`vyapari.live.collector`)."""
    from vyapari.live.collector import SliceCollector

    with SliceCollector() as collector:
        engine.collector = collector
        try:
            yield
        finally:
            engine.collector = None
            logging.getLogger(__name__).info(
                "garbage collection between slices: %d passes, %.1f ms in all",
                collector.collections,
                collector.pauses_ns / 1e6,
            )


def warm_up(name: str, params: dict[str, Any]) -> float:
    """Compile (or load from cache) a vectorised strategy's kernels before the session; seconds taken.

    A throwaway instance prepares a tiny synthetic panel, so the first live minute does not pay
    for importing numba and compiling (about 0.6 s) and the trading instance's state is untouched.
    """
    import copy
    import time

    from vyapari.strategies import make_strategy
    from vyapari.strategy.signals import VectorSignal
    from vyapari.strategy.synthetic import random_walk_panel

    started = time.perf_counter()
    throwaway = copy.deepcopy(make_strategy(name, params))  # a file's instance is the trading one
    if isinstance(throwaway.signal, VectorSignal):
        symbols = 2 if name == "pairs" else 1
        throwaway.prepare(random_walk_panel(symbols=symbols, sessions=2, bars_per_session=375, seed=0), 1e6)
    took = time.perf_counter() - started
    logging.getLogger(__name__).info("strategy %s warmed up in %.2f s", name, took)
    return took


def _check_args(args: argparse.Namespace, settings: dict[str, str]) -> argparse.Namespace:
    return argparse.Namespace(broker=settings.get("BROKER", args.broker or "paper"), lake=args.lake,
                              state_dir=args.state_dir, exchange="NSE", at=args.ready_at)


def _monitor(args: argparse.Namespace, settings: dict[str, str], ports: LivePorts, engine: Any,
             report: ReadinessReport, suite: SuiteConfig | None) -> Any:
    """The in-session readiness re-checks, started with the pre-open ``report``."""
    from vyapari.cli.ready import suite_config
    from vyapari.cli.settings import effective_environ
    from vyapari.live.service import live_readiness

    env = {**effective_environ(), **settings}
    suite = suite or suite_config(_check_args(args, settings), env, secrets=ports.secrets)
    return live_readiness(engine, suite, report)


def _ready(
    args: argparse.Namespace, settings: dict[str, str], stop: Any, ports: LivePorts
) -> ReadinessReport:
    """Run the pre-open readiness check; print the failures; returns the report (refuse on a failure).

    On a day that is not a session (and no ``--ready-at``), the service waits, checking again
    every 15 minutes, instead of exiting: a holiday must not look like a crashed service.
    """
    import sys

    from vyapari.cli.ready import build_report
    from vyapari.live.preopen import wait_for_session
    from vyapari.live.risk import risk_limits_from_env
    from vyapari.live.service import risk_state_loader

    if ports.store is None:
        raise ValueError("LivePorts.store must be set by run()")
    from vyapari.cli.settings import effective_environ

    environ = {**effective_environ(), **settings}
    check = _check_args(args, settings)
    risk = risk_state_loader(ports.store, risk_limits_from_env(settings))
    report = wait_for_session(
        lambda: build_report(check, environ, secrets=ports.secrets, risk_loader=risk),
        stop,
        fixed_instant=args.ready_at is not None,
    )
    for failure in report.failures:
        error = failure.error.__name__ if failure.error else "NotReady"
        print(f"not ready: {failure.name}: {failure.reason} [{error}]", file=sys.stderr)
    return report


def _instrument_limits(
    args: argparse.Namespace, settings: dict[str, str], symbols: list[str]
) -> tuple[Any, Any]:
    """Lot sizes and freeze quantities (units, int64 arrays) in force today from the lake's instrument
    snapshot of the live broker; ``(None, None)`` on paper or without ``--lake`` (lot 1, no slicing)."""
    broker = settings.get("BROKER", "paper")
    if args.lake is None or broker == "paper":
        return None, None
    import numpy as np

    from vyapari.brokers.session import now_ist
    from vyapari.core.ids import instrument_id
    from vyapari.data.storage import LocalObjectStore
    from vyapari.instruments.lookup import InstrumentMaster, freeze_quantities
    from vyapari.instruments.snapshot import InstrumentSnapshots

    today = (args.ready_at or now_ist()).date()
    master = InstrumentMaster(InstrumentSnapshots(LocalObjectStore(args.lake)), broker)
    ids = [instrument_id("NSE", s) for s in symbols]
    lots = np.array([master.lot_size(i, today).value for i in ids], np.int64)
    return lots, freeze_quantities(master, ids, today)


def _engine(
    args: argparse.Namespace, settings: dict[str, str], strategy: Any, broker: Any, ports: LivePorts,
    symbols: list[str], lots: Any, freeze: Any, *, gated: bool = False,
) -> Any:
    from vyapari.live.bars import SessionTable
    from vyapari.live.engine import LiveConfig, LiveEngine
    from vyapari.live.ports import EmfMetrics, NullPublisher
    from vyapari.market.calendar import get_calendar
    from vyapari.readiness import ReadinessGate

    capital = float(getattr(getattr(broker, "config", None), "initial_capital", args.capital or 1_000_000))
    fees = getattr(getattr(broker, "config", None), "fees", None) or args.fees or "zerodha"
    from vyapari.live.risk import risk_limits_from_env

    config = LiveConfig(run_id=args.run_id or strategy.name, capital_inr=capital, fees=fees,
                        limits=risk_limits_from_env(settings))
    metrics = ports.metrics
    if metrics is None:
        metrics_path = args.state_dir / "metrics.jsonl"
        metrics = EmfMetrics(stream=metrics_path.open("a", encoding="utf-8"))
    if ports.store is None:
        raise ValueError("LivePorts.store must be set by run()")
    engine = LiveEngine(
        strategy,
        broker,
        symbols,
        config,
        ports.store,
        SessionTable(get_calendar("NSE").session_bounds),
        lot_sizes=lots,
        freeze_quantities=freeze,
        publisher=ports.publisher or NullPublisher(),
        metrics=metrics,
        readiness=ReadinessGate() if gated else None,
    )
    engine.inbox = ports.inbox
    return engine
