"""The live service's :class:`~vyapari.live.ports.Publisher` on the WebSocket API.

Messages go to the subscribers of a channel (``orders``, ``pnl``, ``quotes``) exactly as the
``ws_publish`` Lambda sends them: :class:`~vyapari.api.streams.ConnectionRegistry` over the
connections table, posted through the API Gateway Management API
(:class:`~functions.shared.api_store.ApiGatewayPoster`); stale connections are dropped.

Publishing must never slow down or stop trading: :meth:`WebSocketPublisher.publish` only puts the
message on a bounded queue; a daemon thread sends it. When the queue is full the message is
dropped and counted (``ws_messages_dropped_total``); a failed send is logged with the error type
and counted (``ws_publish_errors_total``), never raised into the engine.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Mapping
from typing import Any

from functions.shared.api_store import ApiGatewayPoster, DynamoRecordStore
from vyapari.api.ports import ConnectionPoster
from vyapari.api.streams import CHANNELS, ConnectionRegistry
from vyapari.live.ports import Metrics

log = logging.getLogger(__name__)
DEFAULT_QUEUE_SIZE = 1000
_STOP = object()


class WebSocketPublisher:
    """Fans live updates out to WebSocket subscribers from a background thread.

    Parameters
    ----------
    registry : ConnectionRegistry
        Connections and subscriptions (the ``connections`` table).
    poster : ConnectionPoster
        Sends bytes to one connection.
    metrics : Metrics, optional
        Receives ``ws_messages_dropped_total`` and ``ws_publish_errors_total``.
    queue_size : int
        Messages waiting to be sent before new ones are dropped.
    """

    def __init__(
        self,
        registry: ConnectionRegistry,
        poster: ConnectionPoster,
        *,
        metrics: Metrics | None = None,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> None:
        self.registry, self.poster, self.metrics = registry, poster, metrics
        self.sent = self.dropped = self.errors = 0
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self._thread = threading.Thread(target=self._run, name="ws-publisher", daemon=True)
        self._thread.start()

    @classmethod
    def from_settings(
        cls, endpoint_url: str, connections_table: str, *, metrics: Metrics | None = None
    ) -> WebSocketPublisher:
        """The publisher of a deployed stage (``WS_ENDPOINT_URL``, ``CONNECTIONS_TABLE``)."""
        if not endpoint_url or not connections_table:
            raise ValueError("WS_ENDPOINT_URL and CONNECTIONS_TABLE are both required to publish")
        registry = ConnectionRegistry(DynamoRecordStore(connections_table))
        return cls(registry, ApiGatewayPoster(endpoint_url), metrics=metrics)

    def publish(self, channel: str, message: Mapping[str, Any]) -> None:
        """Queue ``message`` (made JSON-safe now) for ``channel``; ``ValueError`` on an unknown channel."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
        payload = json.loads(json.dumps(dict(message), default=str))
        try:
            self._queue.put_nowait((channel, payload))
        except queue.Full:
            self.dropped += 1
            self._count("ws_messages_dropped_total", channel)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                self._send(*item)
            finally:
                self._queue.task_done()

    def _send(self, channel: str, payload: dict[str, Any]) -> None:
        try:
            result = self.registry.publish(self.poster, channel, payload)
        except Exception as exc:  # a publishing failure must never reach the trading loop
            self.errors += 1
            log.warning("publishing on %s failed: %s", channel, type(exc).__name__)
            self._count("ws_publish_errors_total", channel)
            return
        self.sent += result.sent

    def _count(self, name: str, channel: str) -> None:
        if self.metrics is not None:
            try:
                self.metrics.count(name, channel=channel)
            except Exception:  # metrics are best effort here
                log.debug("metric %s not recorded", name)

    def flush(self) -> None:
        """Block until every queued message has been handled."""
        self._queue.join()

    def close(self, timeout_s: float = 5.0) -> None:
        """Send what is queued (up to ``timeout_s`` seconds), then stop the thread."""
        try:
            self._queue.put(_STOP, timeout=timeout_s)
        except queue.Full:
            log.warning("publisher queue still full after %.0f s; %d messages not sent", timeout_s,
                        self._queue.qsize())
            return
        self._thread.join(timeout_s)
