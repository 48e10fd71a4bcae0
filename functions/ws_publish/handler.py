"""Publish a message to every WebSocket connection subscribed to a channel; stale ones are dropped.

Invoked directly with ``{"channel": "quotes", "message": {"symbol": "RELIANCE", "ltp": 1380.5}}`` or by
EventBridge with the same object as ``detail``. A message with a ``symbol`` reaches the connections
subscribed to all symbols of the channel or to that symbol. Returns ``{"sent": n, "dropped": m}``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.shared.api_settings import ApiSettings
from functions.shared.api_store import ApiGatewayPoster, records
from functions.shared.redaction import redacted_errors
from vyapari.api.ports import ConnectionPoster
from vyapari.api.streams import ConnectionRegistry

logger = Logger(service="vyapari-ws")
SETTINGS = ApiSettings.from_env()
CONNECTIONS = ConnectionRegistry(records(SETTINGS, "connections_table"))
POSTER: ConnectionPoster = ApiGatewayPoster(SETTINGS.need("ws_endpoint_url"))


@redacted_errors
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    """Fan one message out to its channel's subscribers."""
    payload = event.get("detail", event)
    result = CONNECTIONS.publish(POSTER, str(payload.get("channel")), dict(payload.get("message") or {}))
    logger.info("published", extra={"channel": payload.get("channel"), "sent": result.sent,
                                     "dropped": result.dropped})
    return {"sent": result.sent, "dropped": result.dropped}
