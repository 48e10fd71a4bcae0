"""Assemble and run one live session: :func:`run_live` (``config``, ``ports``, ``stop``).

The CLI (``vyapari live``) and the Fargate entrypoint (``python -m functions.live_service``) both
parse their inputs into a :class:`~vyapari.live.config.LiveRunConfig` and call this; the
deployment's differences are its :class:`~vyapari.live.ports.LivePorts`. A stream run waits out
a holiday in the one readiness loop (:func:`vyapari.live.preopen.wait_for_session`), refuses to
trade on a failed check, then trades the tick stream until ``stop``; a replay runs its days.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from vyapari.brokers.base import BrokerAdapter
from vyapari.brokers.factory import make_broker
from vyapari.brokers.session import now_ist
from vyapari.data.storage import LocalObjectStore, ObjectStore
from vyapari.live.config import LiveRunConfig
from vyapari.live.engine import LiveConfig, LiveEngine
from vyapari.live.ports import EmfMetrics, LivePorts, Metrics, NullPublisher, StrategyFactory
from vyapari.live.preopen import wait_for_session
from vyapari.live.store import OrderStateStore
from vyapari.readiness import ReadinessGate, ReadinessReport
from vyapari.strategy.strategy import Strategy

EXIT_NOT_READY = 1
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
log = logging.getLogger(__name__)


def configure_logging(stream: TextIO | None = None) -> None:
    """INFO lines of the live service to ``stream`` (stderr by default), credentials masked.

    Lines are written on the engine's thread: a listener thread (``QueueHandler``) measured
    worse, as it takes the GIL from the engine in the middle of a slice (busy-slice p99 about 3×
    in ``benchmarks/bench_live.py``).
    """
    from vyapari.brokers.redact import install_redaction

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=stream)
    install_redaction()


def run_live(config: LiveRunConfig, ports: LivePorts, stop: Callable[[], bool]) -> int:
    """Run ``config`` with ``ports`` until its days are replayed or ``stop()`` is true; the exit
    status (0 done, :data:`EXIT_NOT_READY` when the pre-open check failed).

    ``ports.store`` and ``ports.strategies`` are required; ``ports.readiness`` too when
    ``config.checks_readiness``. The
    summary of the run is printed as JSON on stdout, a failed check's reasons on stderr; logging
    is configured (:func:`configure_logging`) unless the process already did, and the line
    ``live run <id> started`` is logged once the engine takes market data.
    """
    configure_logging()
    if ports.store is None:
        raise ValueError("LivePorts.store is required to run")
    if ports.strategies is None:
        raise ValueError("LivePorts.strategies is required to run")
    if config.checks_readiness and ports.readiness is None:
        raise ValueError("LivePorts.readiness is required to check readiness (or skip_ready)")
    broker = make_broker(config.settings, secrets=ports.secrets, journal=ports.paper_journal)
    strategy = ports.strategies(config.strategy, dict(config.params))
    warm_up(ports.strategies, config.strategy, dict(config.params))
    with ExitStack() as stack:
        metrics = ports.metrics or _local_metrics(config.state_dir, stack)
        if config.streams:
            report = _preopen(config, ports, stop, metrics)
            if report is not None and not report.ready:
                return EXIT_NOT_READY
            engine = _stream(config, ports, stop, broker, strategy, metrics, report, stack)
        else:
            engine = _replay(config, ports, stop, broker, strategy, metrics, stack)
    print(json.dumps({"stopped_early": stop(), **engine.summary()}, indent=2, ensure_ascii=False))
    return 0


def _preopen(config: LiveRunConfig, ports: LivePorts, stop: Callable[[], bool],
             metrics: Metrics) -> ReadinessReport | None:
    """The pre-open report (waiting out a holiday unless ``ready_at`` is fixed); None when skipped.
    A failed report is counted in the ``ready`` gauge and its reasons printed (a passing one is
    recorded by the in-session monitor as it starts)."""
    if not config.checks_readiness or ports.readiness is None:
        return None
    readiness = ports.readiness
    report = wait_for_session(lambda: readiness.check(config.ready_at or now_ist()), stop,
                              fixed_instant=config.ready_at is not None)
    if not report.ready:
        metrics.observe("ready", 0.0)
        for failure in report.failures:
            error = failure.error.__name__ if failure.error else "NotReady"
            print(f"not ready: {failure.name}: {failure.reason} [{error}]", file=sys.stderr)
    return report


def _stream(config: LiveRunConfig, ports: LivePorts, stop: Callable[[], bool], broker: BrokerAdapter,
            strategy: Strategy, metrics: Metrics, report: ReadinessReport | None,
            stack: ExitStack) -> LiveEngine:
    from vyapari.live.market_feed import market_stream  # [feed]
    from vyapari.live.recording import recorded  # [recording]
    from vyapari.live.service import live_readiness, run_stream

    assert config.symbols is not None and ports.store is not None  # validated by the config / run_live
    lake = _record_lake(config, ports)  # [recording]
    lots, freeze = instrument_limits(config, list(config.symbols))
    stream = market_stream(broker, config.feed, config.settings, secrets=ports.secrets, lake=lake)  # [feed]
    engine = _engine(config, ports.store, ports, strategy, broker, list(config.symbols), lots, freeze,
                     metrics, gated=report is not None)
    monitor = None
    if report is not None and ports.readiness is not None:
        monitor = live_readiness(engine, ports.readiness.suite, report)
    stack.enter_context(_fills_log(config.state_dir, engine))
    stack.enter_context(_collecting(engine))
    stack.enter_context(recorded(engine, lake, ticks=config.record_ticks, stream=stream))  # [recording]
    _started(engine, "stream")
    run_stream(engine, stream, stop, monitor=monitor)  # [feed] the market feed's ticks
    return engine


def _replay(config: LiveRunConfig, ports: LivePorts, stop: Callable[[], bool], broker: BrokerAdapter,
            strategy: Strategy, metrics: Metrics, stack: ExitStack) -> LiveEngine:
    from vyapari.live.recording import recorded  # [recording]
    from vyapari.live.replay import load_replay_panel, replay
    from vyapari.model.enums import Exchange
    from vyapari.strategy.volume import check_volume

    assert config.replay is not None and ports.store is not None
    symbols = list(config.symbols) if config.symbols else None
    panel = load_replay_panel(config.replay, config.session_date, Exchange.NSE, symbols)
    check_volume(strategy, panel)  # as the backtest: refuse volume-free bars by name
    _say_paper_differences(config)
    engine = _engine(config, ports.store, ports, strategy, broker, list(panel.symbols), panel.lot_sizes,
                     None, metrics)
    stack.enter_context(_fills_log(config.state_dir, engine))
    stack.enter_context(_collecting(engine))
    stack.enter_context(recorded(engine, _record_lake(config, ports)))  # [recording]
    _started(engine, "replay")
    replay(engine, panel, config.speed, stop)
    return engine


def _started(engine: LiveEngine, source: str) -> None:
    """Log that the run takes market data now (a supervisor's sign that the run is up)."""
    log.info("live run %s started: %s of %d instruments, broker %s", engine.config.run_id, source,
             len(engine.instruments), type(engine.broker).__name__)


def _local_metrics(state_dir: Path, stack: ExitStack) -> Metrics:
    """EMF lines to ``state_dir``/metrics.jsonl (the local default), closed with the run."""
    state_dir.mkdir(parents=True, exist_ok=True)
    return EmfMetrics(stream=stack.enter_context((state_dir / "metrics.jsonl").open("a", encoding="utf-8")))


def _record_lake(config: LiveRunConfig, ports: LivePorts) -> ObjectStore | None:
    """[recording] Where the session's bars are recorded: the deployment's lake, else ``config.lake``."""
    if not config.record:
        return None
    if ports.lake is not None:
        return ports.lake
    return LocalObjectStore(config.lake) if config.lake is not None else None


def _say_paper_differences(config: LiveRunConfig) -> None:
    """On stderr, the paper settings that make this replay differ from a default backtest."""
    from vyapari.brokers.paper.config import differences_from_backtest

    if config.paper is None:
        return
    found = differences_from_backtest(config.paper)
    if found:
        print("paper settings that differ from the backtest's defaults: " + "; ".join(found), file=sys.stderr)
    else:
        print("paper settings: the backtest's defaults (fees, slippage, capital, leverage)", file=sys.stderr)


@contextmanager
def _fills_log(state_dir: Path, engine: LiveEngine) -> Iterator[None]:
    """Log the engine's fills to ``state_dir``/fills/<YYYY-MM-DD>.jsonl as they are booked (for
    ``vyapari charges reconcile`` after the close); on stop, write any missing and close."""
    from vyapari.live.fills_log import FILLS_DIR, FillLog

    fills = FillLog(state_dir / FILLS_DIR)
    engine.fill_sink = fills
    try:
        yield
    finally:
        fills.sync(engine.account.portfolio.fills)
        fills.close()


@contextmanager
def _collecting(engine: LiveEngine) -> Iterator[None]:
    """Garbage collection between slices only, for the session (see :mod:`vyapari.live.collector`)."""
    from vyapari.live.collector import SliceCollector

    with SliceCollector() as collector:
        engine.collector = collector
        try:
            yield
        finally:
            engine.collector = None
            log.info("garbage collection between slices: %d passes, %.1f ms in all",
                     collector.collections, collector.pauses_ns / 1e6)


def warm_up(strategies: StrategyFactory, name: str, params: dict[str, Any]) -> float:
    """Compile (or load from cache) a vectorised strategy's kernels before the session; seconds taken.

    A throwaway instance prepares a tiny synthetic panel, so the first live minute does not pay
    for importing numba and compiling (about 0.6 s) and the trading instance's state is untouched.
    """
    import copy
    import time

    from vyapari.strategy.signals import VectorSignal
    from vyapari.strategy.synthetic import random_walk_panel

    started = time.perf_counter()
    throwaway = copy.deepcopy(strategies(name, params))  # a file's instance is the trading one
    if isinstance(throwaway.signal, VectorSignal):
        symbols = 2 if name == "pairs" else 1
        throwaway.prepare(random_walk_panel(symbols=symbols, sessions=2, bars_per_session=375, seed=0), 1e6)
    took = time.perf_counter() - started
    log.info("strategy %s warmed up in %.2f s", name, took)
    return took


def instrument_limits(
    config: LiveRunConfig, symbols: list[str]
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Lot sizes and freeze quantities (units, int64 arrays) in force today from the lake's instrument
    snapshot of the live broker; ``(None, None)`` on paper or without a lake (lot 1, no slicing)."""
    if config.lake is None or config.broker == "paper":
        return None, None
    from vyapari.core.ids import instrument_id
    from vyapari.instruments.lookup import InstrumentMaster, freeze_quantities
    from vyapari.instruments.snapshot import InstrumentSnapshots

    today = (config.ready_at or now_ist()).date()
    master = InstrumentMaster(InstrumentSnapshots(LocalObjectStore(config.lake)), config.broker)
    ids = [instrument_id("NSE", s) for s in symbols]
    lots = np.array([master.lot_size(i, today).value for i in ids], np.int64)
    return lots, freeze_quantities(master, ids, today)


def _engine(
    config: LiveRunConfig, store: OrderStateStore, ports: LivePorts, strategy: Strategy,
    broker: BrokerAdapter, symbols: list[str], lots: np.ndarray | None, freeze: np.ndarray | None,
    metrics: Metrics, *, gated: bool = False,
) -> LiveEngine:
    from vyapari.live.bars import SessionTable
    from vyapari.market.calendar import get_calendar

    engine_config = LiveConfig(run_id=config.run_id or strategy.name, capital_inr=config.engine_capital_inr,
                               fees=config.engine_fees, limits=config.limits)
    engine = LiveEngine(
        strategy, broker, symbols, engine_config, store, SessionTable(get_calendar("NSE").session_bounds),
        lot_sizes=lots, freeze_quantities=freeze, publisher=ports.publisher or NullPublisher(),
        metrics=metrics, readiness=ReadinessGate() if gated else None,
    )
    engine.inbox = ports.inbox
    return engine
