"""A :class:`~vyapari.live.ports.Publisher` that never delays the trading loop: a bounded queue in
front of a slower publisher, drained in order by one daemon thread.

:meth:`QueuedPublisher.publish` only queues. When the queue is full the message is dropped and
counted (``dropped_metric``); a failure of the target is logged with its error type and counted
(``errors_metric``), never raised. The AWS live service uses it for the API's records and for the
WebSocket fan-out; ``vyapari live`` for the local records and event log (:mod:`vyapari.api.local_live`).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Mapping
from typing import Any

from vyapari.live.ports import Metrics, Publisher

log = logging.getLogger(__name__)
_STOP = object()


class QueuedPublisher:
    """Hands messages to ``target`` on a background thread, in order (see the module docstring).

    Parameters
    ----------
    target : Publisher
        Does the slow work (DynamoDB writes, WebSocket posts).
    metrics : Metrics, optional
        Receives ``dropped_metric`` and ``errors_metric`` (dimension ``channel``).
    queue_size : int
        Messages waiting before new ones are dropped.
    name : str
        The thread's name, also the prefix of log lines.
    dropped_metric, errors_metric : str
        Counter names.
    """

    def __init__(self, target: Publisher, *, metrics: Metrics | None = None, queue_size: int = 10_000,
                 name: str = "live-records", dropped_metric: str = "live_records_dropped_total",
                 errors_metric: str = "live_records_errors_total") -> None:
        self.target, self.metrics, self.name = target, metrics, name
        self.dropped_metric, self.errors_metric = dropped_metric, errors_metric
        self.dropped = self.errors = 0
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def publish(self, channel: str, message: Mapping[str, Any]) -> None:
        """Queue a copy of ``message`` for ``channel`` (dropped and counted when the queue is full)."""
        try:
            self._queue.put_nowait((channel, dict(message)))
        except queue.Full:
            self.dropped += 1
            self._count(self.dropped_metric, channel)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                self.target.publish(*item)
            except Exception as exc:  # never let one message stop the thread
                self.errors += 1
                log.warning("%s: publishing on %s failed: %s", self.name, item[0], type(exc).__name__)
                self._count(self.errors_metric, item[0])
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
            log.warning("%s: queue still full after %.0f s; %d messages not handed over", self.name,
                        timeout_s, self._queue.qsize())
            return
        self._thread.join(timeout_s)
