"""The Twisted reactor that ``KiteTicker`` runs on: one per process, started once, never stopped.

``kiteconnect.KiteTicker`` is built on Twisted and autobahn. Twisted's reactor is
process-global and cannot be restarted once stopped, so this module owns it:

* :func:`start_reactor` runs it in a daemon thread (``installSignalHandlers=False``: signals
  belong to the main thread) the first time a stream needs it; every later stream, reconnect
  or test in the same process reuses it. Nothing here stops it (``KiteTicker.stop()`` would
  stop it for good), and a daemon thread does not keep the interpreter alive at exit. The
  reactor's thread pool (Twisted resolves host names on it) is made of daemon threads too.
* Twisted is not thread-safe: every call that touches Twisted objects from another thread goes
  through :func:`call_in_reactor` / :func:`run_in_reactor` (``reactor.callFromThread``). Such
  calls are guarded: an exception is logged and never raised into the reactor, where Twisted
  would print it to stderr unredacted.
* Twisted's own log events (and autobahn's, which log through Twisted) are forwarded to the
  stdlib logger ``twisted``, which carries the redacting filter of
  :mod:`vyapari.brokers.redact`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, cast

from vyapari.brokers.errors import BrokerError
from vyapari.brokers.redact import get_logger, install_redaction, redact

log = get_logger(__name__)

START_TIMEOUT_S = 10.0
"""Seconds :func:`start_reactor` waits for the reactor thread to run."""



class _Process:
    """What this module has set up in this process (one instance, :data:`_PROCESS`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.log_bridged = False


_PROCESS = _Process()


class ReactorUnavailable(BrokerError):
    """The process's Twisted reactor was stopped (it cannot run again) or did not start in time."""


def _reactor() -> Any:
    from twisted.internet import reactor

    return reactor


def _bridge_twisted_log() -> None:
    """Forward Twisted's log events to the (redacted) stdlib logger ``twisted``, once per process."""
    if _PROCESS.log_bridged:
        return
    from twisted.logger import ILogObserver, STDLibLogObserver, globalLogPublisher

    install_redaction()
    get_logger("twisted")
    globalLogPublisher.addObserver(cast(ILogObserver, STDLibLogObserver(name="twisted")))
    _PROCESS.log_bridged = True


def start_reactor(timeout_s: float = START_TIMEOUT_S) -> None:
    """Make sure the reactor runs (in a daemon thread started here the first time); idempotent.

    Raises :class:`ReactorUnavailable` if the reactor was stopped earlier in this process or
    does not start within ``timeout_s`` seconds.
    """
    reactor = _reactor()
    with _PROCESS.lock:
        _bridge_twisted_log()
        if reactor.running:
            return  # ours, or started by someone else (KiteTicker.connect(threaded=True)): reuse it
        if getattr(reactor, "_startedBefore", False):
            raise ReactorUnavailable(
                "the Twisted reactor of this process was stopped (KiteTicker.stop()?) and cannot "
                "run again; restart the process to stream Kite ticks", broker="zerodha"
            )
        if _PROCESS.thread is None:
            pool = reactor.getThreadPool()
            pool.threadFactory = functools.partial(threading.Thread, daemon=True)
            started = threading.Event()
            reactor.callWhenRunning(started.set)
            _PROCESS.thread = threading.Thread(
                target=reactor.run, kwargs={"installSignalHandlers": False},
                name="twisted-reactor", daemon=True,
            )
            _PROCESS.thread.start()
            if not started.wait(timeout_s):
                raise ReactorUnavailable(f"the Twisted reactor did not start within {timeout_s} s",
                                         broker="zerodha")


def in_reactor_thread() -> bool:
    """True on the thread that runs the reactor."""
    from twisted.python import threadable

    return bool(threadable.isInIOThread())


def _guarded(fn: Callable[..., object], *args: object) -> None:
    try:
        fn(*args)
    except Exception as exc:  # never into the reactor: it would print the traceback unredacted
        log.warning("tick socket call %s failed: %s: %s",
                    getattr(fn, "__name__", "?"), type(exc).__name__, redact(exc))


def call_in_reactor(fn: Callable[..., object], *args: object) -> None:
    """Run ``fn(*args)`` on the reactor thread (now if already there); exceptions are logged."""
    if in_reactor_thread():
        _guarded(fn, *args)
    else:
        _reactor().callFromThread(_guarded, fn, *args)


def run_in_reactor(fn: Callable[..., object], *args: object, timeout_s: float = 5.0) -> bool:
    """Like :func:`call_in_reactor`, then wait up to ``timeout_s`` seconds for it to have run.

    Returns False if it had not run in time (it still runs later).
    """
    if in_reactor_thread():
        _guarded(fn, *args)
        return True
    done = threading.Event()

    def run() -> None:
        try:
            _guarded(fn, *args)
        finally:
            done.set()

    _reactor().callFromThread(run)
    return done.wait(timeout_s)
