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
from collections.abc import Mapping
from typing import Any

from functions.shared.api_store import ApiGatewayPoster, DynamoRecordStore
from functions.shared.queued_publisher import QueuedPublisher
from vyapari.api.ports import ConnectionPoster
from vyapari.api.streams import CHANNELS, ConnectionRegistry
from vyapari.live.ports import Metrics

DEFAULT_QUEUE_SIZE = 1000


class WebSocketFanout:
    """Sends one message to every subscriber of its channel, synchronously (the slow part)."""

    def __init__(self, registry: ConnectionRegistry, poster: ConnectionPoster) -> None:
        self.registry, self.poster = registry, poster
        self.sent = 0

    def publish(self, channel: str, message: Mapping[str, Any]) -> None:
        """Post ``message`` to ``channel``'s subscribers; errors propagate to the queue's counter."""
        self.sent += self.registry.publish(self.poster, channel, dict(message)).sent


class WebSocketPublisher(QueuedPublisher):
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
        self.fanout = WebSocketFanout(registry, poster)
        self.registry, self.poster = registry, poster
        super().__init__(self.fanout, metrics=metrics, queue_size=queue_size, name="ws-publisher",
                         dropped_metric="ws_messages_dropped_total", errors_metric="ws_publish_errors_total")

    @property
    def sent(self) -> int:
        """Posts that reached a connection."""
        return self.fanout.sent

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
        super().publish(channel, json.loads(json.dumps(dict(message), default=str)))

    def close(self, timeout_s: float = 5.0) -> None:
        """Send what is queued (up to ``timeout_s`` seconds), then stop the thread."""
        super().close(timeout_s)
