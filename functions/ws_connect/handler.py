"""WebSocket ``$connect``: verify the ``token`` query parameter and remember the connection.

Returns 401 for a missing or invalid token, 403 for a valid token without a vyapari role; API Gateway
then refuses the connection. The token is never logged.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.shared.api_settings import ApiSettings
from functions.shared.api_store import records
from functions.shared.jwt_auth import build_verifier
from functions.shared.redaction import redacted_errors
from vyapari.api.ports import InvalidToken
from vyapari.api.registry import now_ist
from vyapari.api.roles import role_of
from vyapari.api.streams import ConnectionRegistry

logger = Logger(service="vyapari-ws")
SETTINGS = ApiSettings.from_env()
CONNECTIONS = ConnectionRegistry(records(SETTINGS, "connections_table"))
VERIFIER = build_verifier(SETTINGS)


@redacted_errors
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Accept (200) or refuse (401/403) a WebSocket connection."""
    connection_id = event["requestContext"]["connectionId"]
    token = (event.get("queryStringParameters") or {}).get("token") or ""
    try:
        identity = VERIFIER.verify(token)
    except InvalidToken as exc:
        logger.info("connection refused", extra={"connection_id": connection_id, "reason": str(exc)})
        return {"statusCode": 401, "body": "unauthorized"}
    if role_of(identity.groups) is None:
        return {"statusCode": 403, "body": "forbidden"}
    CONNECTIONS.connect(connection_id, identity, now_ist().isoformat())
    logger.info("connected", extra={"connection_id": connection_id, "subject": identity.subject})
    return {"statusCode": 200, "body": "connected"}
