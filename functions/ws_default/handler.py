"""WebSocket ``$default``: ``subscribe``/``unsubscribe`` messages on the channels quotes, orders, pnl.

Message: ``{"action": "subscribe", "channel": "quotes", "symbols": ["RELIANCE"]}``. The reply (sent as
the route response) is ``{"ok": true, "channels": {...}}`` or ``{"ok": false, "field": ..., "error": ...}``
with status 400.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.shared.api_settings import ApiSettings
from functions.shared.api_store import records
from functions.shared.redaction import redacted_errors
from vyapari.api.streams import ConnectionRegistry, parse_message
from vyapari.core.errors import InvalidInput

logger = Logger(service="vyapari-ws")
CONNECTIONS = ConnectionRegistry(records(ApiSettings.from_env(), "connections_table"))


@redacted_errors
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Apply one subscription message of the calling connection."""
    try:
        message = parse_message(event.get("body"))
        channels = CONNECTIONS.apply(event["requestContext"]["connectionId"], message)
    except InvalidInput as exc:
        return {"statusCode": 400, "body": json.dumps({"ok": False, "field": exc.field, "error": exc.reason})}
    return {"statusCode": 200, "body": json.dumps({"ok": True, "channels": channels})}
