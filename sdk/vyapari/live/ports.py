"""Ports of the live engine to the outside: a :class:`Publisher` and :class:`Metrics`.

The WebSocket API publishes on channels ``orders``, ``pnl`` and ``quotes``; the AWS
implementations live outside the sdk. Here: :class:`NullPublisher`,
:class:`InMemoryPublisher`, :class:`InMemoryMetrics` and :class:`EmfMetrics` (CloudWatch
Embedded Metric Format as JSON lines on a text stream, stdlib only).
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from vyapari.core.deferred_log import deferred

if TYPE_CHECKING:
    from vyapari.brokers.paper.journal import PaperJournal
    from vyapari.brokers.secrets import SecretsStore
    from vyapari.data.storage import ObjectStore
    from vyapari.live.store import OrderStateStore
    from vyapari.readiness import ReadinessReport, SuiteConfig
    from vyapari.strategy.strategy import Strategy

StrategyFactory = Callable[[str, dict[str, Any]], "Strategy"]
"""Makes a strategy from its name (or ``module:Class`` / ``file.py:Class``) and parameters
(:func:`vyapari.strategies.make_strategy`, which the live package may not import itself)."""

CHANNELS = ("orders", "pnl", "quotes")


class Publisher(Protocol):
    """Pushes updates to subscribers of a channel (``orders``, ``pnl``, ``quotes``)."""

    def publish(self, channel: str, message: Mapping[str, Any]) -> None:
        """Send ``message`` (JSON-serialisable) on ``channel``."""
        ...


class Metrics(Protocol):
    """Counters and observations (``orders_total``, ``order_latency_seconds``, ...)."""

    def count(self, name: str, value: float = 1.0, **dimensions: str) -> None:
        """Add ``value`` to counter ``name``."""
        ...

    def observe(self, name: str, value: float, unit: str = "None", **dimensions: str) -> None:
        """Record one observation (latency in seconds, P&L in ₹, ...)."""
        ...


@dataclass(frozen=True)
class ManualOrder:
    """An order a trader asked for outside the strategy (``POST /orders``): units, ₹ prices.

    ``request_id`` is the caller's id (up to 40 characters); the engine derives its own
    20-character ``client_order_id`` from it, so a repeated request is one order.
    """

    request_id: str
    instrument_id: str
    side: str
    quantity: int
    order_type: str
    product: str
    price: str | None = None
    trigger_price: str | None = None


class OrderInbox(Protocol):
    """Manual orders waiting for the live engine, and where it reports what it did with each."""

    def pending(self) -> list[ManualOrder]:
        """Orders not yet taken, oldest first (a bounded batch)."""
        ...

    def done(self, request_id: str, status: str, reason: str | None, client_order_id: str | None) -> None:
        """Record the outcome (``ACCEPTED``, ``BLOCKED``, ``REJECTED``) and take the order off the inbox."""
        ...


class NullPublisher:
    """Publishes nothing."""

    def publish(self, channel: str, message: Mapping[str, Any]) -> None:
        """Drop ``message``."""


class InMemoryPublisher:
    """Keeps every message, by channel (tests, local runs)."""

    def __init__(self) -> None:
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def publish(self, channel: str, message: Mapping[str, Any]) -> None:
        """Append ``message`` to ``channel``'s list."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
        self.messages[channel].append(dict(message))


class InMemoryMetrics:
    """Counters and observation lists in memory."""

    def __init__(self) -> None:
        self.counters: dict[str, float] = defaultdict(float)
        self.observations: dict[str, list[float]] = defaultdict(list)

    def count(self, name: str, value: float = 1.0, **dimensions: str) -> None:
        """Add to ``name`` (dimensions folded into the key as ``name{k=v}``)."""
        self.counters[_key(name, dimensions)] += value

    def observe(self, name: str, value: float, unit: str = "None", **dimensions: str) -> None:
        """Append to ``name``'s observations."""
        self.observations[_key(name, dimensions)].append(value)


def _key(name: str, dimensions: Mapping[str, str]) -> str:
    if not dimensions:
        return name
    return name + "{" + ",".join(f"{k}={v}" for k, v in sorted(dimensions.items())) + "}"


class EmfMetrics:
    """One CloudWatch EMF JSON line per metric on ``stream`` (stdout by default); lines made while
    the engine decides a slice are written at its end (:mod:`vyapari.core.deferred_log`)."""

    def __init__(
        self, namespace: str = "vyapari/live", stream: TextIO | None = None, service: str = "live"
    ) -> None:
        self.namespace, self.service = namespace, service
        self._stream = stream if stream is not None else sys.stdout

    def _emit(self, name: str, value: float, unit: str, dimensions: Mapping[str, str]) -> None:
        dims = {"service": self.service, **dimensions}
        record = {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": self.namespace,
                        "Dimensions": [sorted(dims)],
                        "Metrics": [{"Name": name, "Unit": unit}],
                    }
                ],
            },
            name: value,
            **dims,
        }
        deferred.later(self._write, record)  # built now (its timestamp), written after a held slice

    def _write(self, record: dict[str, object]) -> None:
        self._stream.write(json.dumps(record, separators=(",", ":")) + "\n")

    def count(self, name: str, value: float = 1.0, **dimensions: str) -> None:
        """Emit a Count metric."""
        self._emit(name, value, "Count", dimensions)

    def observe(self, name: str, value: float, unit: str = "None", **dimensions: str) -> None:
        """Emit an observation with ``unit`` (``Seconds``, ``None`` for ₹)."""
        self._emit(name, value, unit, dimensions)


@dataclass(frozen=True)
class PreOpenReadiness:
    """How a stream run checks readiness: ``check(at)`` runs the standard suite once as of ``at``
    (tz-aware), before trading; ``suite`` wires the in-session re-checks (the CLI reads local
    files, the AWS entrypoint S3, Secrets Manager and DynamoDB)."""

    check: Callable[[datetime], ReadinessReport]
    suite: SuiteConfig


@dataclass(frozen=True)
class LivePorts:
    """What a deployment plugs into ``vyapari live`` / ``vyapari ready`` (``None`` = local default).

    The CLI defaults are a SQLite order store under ``--state-dir``, the 0600 secrets file, no
    publisher and EMF metrics to ``--state-dir``/metrics.jsonl. The AWS container entrypoint
    passes DynamoDB, Secrets Manager, the WebSocket publisher and EMF on stdout instead, and a
    DynamoDB journal for the paper broker (locally: the file ``PAPER_STATE_FILE``).
    """

    store: OrderStateStore | None = None
    secrets: SecretsStore | None = None
    publisher: Publisher | None = None
    metrics: Metrics | None = None
    paper_journal: PaperJournal | None = None
    inbox: OrderInbox | None = None
    lake: ObjectStore | None = None  # [recording] where the session's bars go (default: --lake)
    readiness: PreOpenReadiness | None = None  # required for a stream run that checks readiness
    strategies: StrategyFactory | None = None  # required to run
