"""Keep credentials out of logs and error messages.

Two layers, both applied by :func:`redact`:

1. **Known values**: every credential the brokers package handles (API key and secret,
   request token, OAuth code, access token) is registered with :func:`register_secret`
   the moment it is read, and any occurrence is replaced by ``***``.
2. **Shapes**: ``access_token=…``, ``"api_secret": "…"``, ``Authorization: token k:t``,
   ``Bearer …`` and the like are masked even for values never registered.

:class:`RedactingFilter` applies :func:`redact` to every record (message and arguments); tracebacks
that no logger sees (an uncaught exception in the main thread or another thread) go through
:func:`install_excepthook`, and :func:`redact_exception` cleans an exception in place before a
runtime (AWS Lambda's) formats it.
:func:`install_redaction` attaches it to the loggers of this package and of the broker SDKs
and their HTTP stacks (``kiteconnect``, ``upstox_client``, ``urllib3``, ``requests``,
``websocket``, ``autobahn``), and to the handlers of the root logger.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import threading
import traceback
from types import TracebackType

MASK = "***"
_MIN_SECRET_LENGTH = 4
_KEYS = (
    r"access_token|api_secret|api_key|request_token|client_secret|client_id|refresh_token"
    r"|checksum|enctoken|code|token|password|secret"
)
_SHAPES = (
    re.compile(rf"(?i)\b({_KEYS})(=)([^&\s\"',;]+)"),
    re.compile(rf"(?i)([\"']?(?:{_KEYS})[\"']?\s*:\s*)([\"'])([^\"']+)([\"'])"),
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)([^\"'\n,}]+)"),
    re.compile(r"(?i)\b(bearer)\s+([A-Za-z0-9._\-]{6,})"),
    re.compile(r"(?i)\b(token)\s+([A-Za-z0-9._\-]+:[A-Za-z0-9._\-]+)"),
)
LOGGER_NAMES = (
    "vyapari",
    "vyapari.brokers",
    "kiteconnect",
    "kiteconnect.connect",
    "kiteconnect.ticker",
    "upstox_client",
    "upstox_client.rest",
    "urllib3",
    "urllib3.connection",
    "urllib3.connectionpool",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
    "requests",
    "websocket",
    "autobahn",
    "twisted",
)
"""Loggers the filter is attached to (a logger's filters do not see its children's records)."""

# words one of which every shape contains (each key of _KEYS holds one): most records (an
# order placed, a slice done) hold none, and the five substitutions are then skipped
_HINTS = ("token", "secret", "api_key", "client_", "checksum", "code", "password", "authorization", "bearer")

_lock = threading.Lock()
_secrets: set[str] = set()
_longest_first: list[tuple[str, ...]] = [()]  # [_secrets longest first], swapped on registration


def register_secret(value: str | None) -> None:
    """Remember ``value`` so :func:`redact` masks it anywhere (values shorter than 4 are ignored).

    Also (re)attaches the redacting filter to the root logger's handlers, so a handler added
    after the adapters were built (a service's log setup, a test's capture) masks it too.
    """
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)
            _longest_first[0] = tuple(sorted(_secrets, key=len, reverse=True))
        install_redaction()


def _mask_shapes(text: str) -> str:
    text = _SHAPES[0].sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _SHAPES[1].sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}{m.group(4)}", text)
    text = _SHAPES[2].sub(lambda m: f"{m.group(1)}{MASK}", text)
    for shape in _SHAPES[3:]:
        text = shape.sub(lambda m: f"{m.group(1)} {MASK}", text)
    return text


def redact(text: object) -> str:
    """``str(text)`` with every registered secret and credential-shaped value masked."""
    out = str(text)
    for secret in _longest_first[0]:  # a tuple swapped whole on registration: read without the lock
        if secret in out:
            out = out.replace(secret, MASK)
    lower = out.lower()
    return _mask_shapes(out) if any(hint in lower for hint in _HINTS) else out


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites each record's message with :func:`redact` (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place (once: the logger's and the handler's filter both see it);
        always returns True."""
        if getattr(record, "_redacted", False) and record.args is None and record.exc_info is None:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        record._redacted = True
        return True


_FILTER = RedactingFilter()


def _attach(target: logging.Filterer) -> None:
    if _FILTER not in target.filters:
        target.addFilter(_FILTER)


def install_redaction() -> None:
    """Attach the redacting filter to the package's, the SDKs' and the root handlers' loggers.

    Idempotent. Call it wherever credentials are first handled (adapters do, and the login
    command does) so that records from SDK loggers are masked before any handler sees them.
    """
    for name in LOGGER_NAMES:
        _attach(logging.getLogger(name))
    for handler in logging.getLogger().handlers:
        _attach(handler)


def get_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` with the redacting filter attached."""
    logger = logging.getLogger(name)
    _attach(logger)
    return logger


def format_redacted(exc_type: type[BaseException], exc: BaseException | None,
                    tb: TracebackType | None) -> str:
    """The traceback text of ``exc`` (with its causes) as Python prints it, redacted."""
    return redact("".join(traceback.format_exception(exc_type, exc, tb)))


def excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """A :data:`sys.excepthook` printing the redacted traceback on stderr."""
    sys.stderr.write(format_redacted(exc_type, exc, tb))
    sys.stderr.flush()


def thread_excepthook(args: threading.ExceptHookArgs) -> None:
    """A :data:`threading.excepthook` printing the redacted traceback on stderr."""
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    sys.stderr.write(f"Exception in thread {name}:\n"
                     + format_redacted(args.exc_type, args.exc_value, args.exc_traceback))
    sys.stderr.flush()


def install_excepthook() -> None:
    """Print uncaught exceptions of every thread redacted (entrypoints call it first); idempotent."""
    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
    install_redaction()


def redact_exception(exc: BaseException) -> BaseException:
    """``exc`` with credentials masked in its arguments, notes and causes (in place), for a runtime
    that formats it itself; when its text still shows a secret (a ``__str__`` of its own), a new
    exception of the same class name carrying the redacted text, so error matching by name holds."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        link.args = tuple(redact(a) if isinstance(a, str) else a for a in link.args)
        if isinstance(getattr(link, "message", None), str):
            with contextlib.suppress(AttributeError):  # a read-only property
                link.message = redact(link.message)  # type: ignore[attr-defined]
        notes = getattr(link, "__notes__", None)
        if isinstance(notes, list):
            link.__notes__ = [redact(n) for n in notes]
        link = link.__cause__ or link.__context__
    text = str(exc)
    if redact(text) == text:
        return exc
    clean = type(type(exc).__name__, (Exception,), {"__module__": type(exc).__module__})(redact(text))
    return clean.with_traceback(exc.__traceback__)
