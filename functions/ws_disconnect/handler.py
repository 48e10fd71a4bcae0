"""WebSocket ``$disconnect``: forget the connection and its subscriptions."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.shared.api_settings import ApiSettings
from functions.shared.api_store import records
from functions.shared.redaction import redacted_errors
from vyapari.api.streams import ConnectionRegistry

logger = Logger(service="vyapari-ws")
CONNECTIONS = ConnectionRegistry(records(ApiSettings.from_env(), "connections_table"))


@redacted_errors
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Delete the connection's records (idempotent)."""
    CONNECTIONS.disconnect(event["requestContext"]["connectionId"])
    return {"statusCode": 200, "body": "disconnected"}
