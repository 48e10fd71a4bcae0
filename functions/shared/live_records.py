"""The live service's API records in AWS: :class:`~vyapari.api.live_records.LiveRecords` on the DynamoDB
tables the REST API reads (``ORDERS_TABLE``, ``POSITIONS_TABLE``, ``TRADES_TABLE``), off the trading
thread.

:class:`QueuedPublisher` runs a publisher on a daemon thread behind a bounded queue, so a DynamoDB
write (milliseconds) never delays a slice: :meth:`QueuedPublisher.publish` only queues. When the
queue is full the message is dropped and counted (``live_records_dropped_total``); the next message
of the same order carries its state, but a dropped fill is not recorded. A failure inside the
publisher is logged with its error type and counted (``live_records_errors_total``), never raised.

Composed in the live service (``functions/live_service/ports.py``) as
``QueuedPublisher(LiveRecords(..., forward=WebSocketPublisher))``: records first, then the WebSocket
fan-out (itself queued on its own thread).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Mapping
from typing import Any

from functions.shared.api_store import DynamoRecordStore
from vyapari.api.live_records import LiveRecords, RecordStores
from vyapari.live.ports import Metrics, Publisher

log = logging.getLogger(__name__)
DEFAULT_QUEUE_SIZE = 10_000
_STOP = object()


class QueuedPublisher:
    """Hands messages to ``target`` on a background thread, in order (see the module docstring).

    Parameters
    ----------
    target : Publisher
        Does the slow work (writes records, then forwards).
    metrics : Metrics, optional
        Receives ``live_records_dropped_total`` and ``live_records_errors_total``.
    queue_size : int
        Messages waiting before new ones are dropped.
    """

    def __init__(self, target: Publisher, *, metrics: Metrics | None = None,
                 queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.target, self.metrics = target, metrics
        self.dropped = self.errors = 0
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self._thread = threading.Thread(target=self._run, name="live-records", daemon=True)
        self._thread.start()

    def publish(self, channel: str, message: Mapping[str, Any]) -> None:
        """Queue a copy of ``message`` for ``channel`` (dropped and counted when the queue is full)."""
        try:
            self._queue.put_nowait((channel, dict(message)))
        except queue.Full:
            self.dropped += 1
            self._count("live_records_dropped_total", channel)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                self.target.publish(*item)
            except Exception as exc:  # never let one message stop the thread
                self.errors += 1
                log.warning("live records: %s", type(exc).__name__)
                self._count("live_records_errors_total", item[0])
            finally:
                self._queue.task_done()

    def _count(self, name: str, channel: str) -> None:
        if self.metrics is not None:
            try:
                self.metrics.count(name, channel=channel)
            except Exception:  # metrics are best effort here
                log.debug("metric %s not recorded", name)

    def flush(self) -> None:
        """Block until every queued message has been handed over."""
        self._queue.join()

    def close(self, timeout_s: float = 10.0) -> None:
        """Hand over what is queued (up to ``timeout_s`` seconds), then stop the thread."""
        try:
            self._queue.put(_STOP, timeout=timeout_s)
        except queue.Full:
            log.warning("live records queue still full after %.0f s; %d messages not recorded", timeout_s,
                        self._queue.qsize())
            return
        self._thread.join(timeout_s)


def dynamodb_record_stores(orders_table: str, positions_table: str, trades_table: str) -> RecordStores:
    """The API's record tables (keyed ``pk``/``sk``) as :class:`RecordStores`."""
    return RecordStores(DynamoRecordStore(orders_table), DynamoRecordStore(positions_table),
                        DynamoRecordStore(trades_table))


def live_records_publisher(stores: RecordStores, mode: str, forward: Publisher | None = None, *,
                           metrics: Metrics | None = None) -> QueuedPublisher:
    """:class:`LiveRecords` in ``mode`` forwarding to ``forward``, on its own thread."""
    return QueuedPublisher(LiveRecords(stores, mode, forward, metrics=metrics), metrics=metrics)
