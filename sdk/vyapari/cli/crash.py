"""Uncaught exceptions of the CLI are printed with credentials masked (a traceback bypasses the
redacting log filter: a broker error can echo the API key and access token).

The hooks import :mod:`vyapari.brokers.redact` only when an exception arrives, so ``vyapari --help``
and light commands do not pay for the brokers package.
"""

from __future__ import annotations

import sys
import threading
from types import TracebackType


def redacted(text: object) -> str:
    """``text`` with registered secrets and credential-shaped values masked."""
    from vyapari.brokers.redact import redact

    return redact(text)


def _excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    from vyapari.brokers.redact import excepthook

    excepthook(exc_type, exc, tb)


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    from vyapari.brokers.redact import thread_excepthook

    thread_excepthook(args)


def install() -> None:
    """Route uncaught exceptions of every thread through the redacting hooks."""
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook
