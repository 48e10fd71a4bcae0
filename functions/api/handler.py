"""REST API Lambda: Powertools' REST resolver with request validation, OpenAPI and Swagger UI.

Routes live in :mod:`functions.api.routes` (market data, strategies and runs, trading, the live kill
switch, the broker login callback); this module wires the services from settings once, maps every
error kind to its HTTP status in one table, and serves ``/openapi.json`` and ``/swagger``. No
response ever carries a stack trace: unexpected errors become a 500 with the request id only, and
are logged here.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.api.routes import broker, dashboard, live, market, strategies, trading
from functions.shared.api_auth import check_roles_first
from functions.shared.api_models import ErrorOut
from functions.shared.api_settings import ApiSettings
from functions.shared.api_store import build_services
from functions.shared.redaction import redacted_errors
from vyapari import __version__
from vyapari.api.errors import ApiError
from vyapari.core.errors import InvalidInput

TITLE = "vyapari API"
logger = Logger(service="vyapari-api")
app = APIGatewayRestResolver(enable_validation=True)
app.configure_openapi(title=TITLE, version=__version__,
                      description="Market data, strategy registry and runs, orders, positions and trades, "
                      "the live kill switch. Roles come from Cognito groups: viewer (read), trader (runs, "
                      "orders, kill switch), admin (all). Send the Cognito ID token (locally: the token of "
                      "POST /auth/login) as Authorization: Bearer <token>.",
                      security_schemes={"bearer": HTTPBearer(bearerFormat="JWT")},
                      security=[{"bearer": []}])
app.enable_swagger(path="/swagger", title=TITLE, version=__version__)
check_roles_first(app)
for _router in (market.router, strategies.router, trading.router, live.router, broker.router,
                dashboard.router):
    app.include_router(_router)
SERVICES = build_services(ApiSettings.from_env())


def _request_id() -> str:
    context = app.current_event.raw_event.get("requestContext") or {}
    return str(context.get("requestId") or getattr(app.lambda_context, "aws_request_id", "") or "unknown")


def _error(status: int, code: str, message: str, fields: list[dict[str, Any]] | None = None) -> Response[str]:
    body = ErrorOut(error=code, message=message, request_id=_request_id(), fields=fields or [])
    return Response(status_code=int(status), content_type=content_types.APPLICATION_JSON,
                    body=body.model_dump_json())


def _validation(exc: RequestValidationError) -> Response[str]:
    fields = [{"field": ".".join(str(p) for p in e["loc"]), "type": e["type"], "message": e.get("msg", "")}
              for e in exc.errors()]
    names = ", ".join(f["field"] for f in fields)
    return _error(HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error", f"invalid request: {names}", fields)


def _invalid(exc: InvalidInput) -> Response[str]:
    return _error(HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error", str(exc),
                  [{"field": exc.field, "type": "value_error", "message": exc.reason}])


def _api_error(exc: ApiError) -> Response[str]:
    return _error(exc.status, exc.code, str(exc))


def _service_error(exc: ServiceError) -> Response[str]:
    return _error(exc.status_code, HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_"), str(exc.msg))


def _unexpected(exc: Exception) -> Response[str]:
    from vyapari.brokers.redact import format_redacted  # loaded on an error only

    # the traceback as redacted text: Powertools' own exc_info formatting bypasses our redaction
    logger.error("unhandled error", extra={"request_id": _request_id(),
                                           "error": format_redacted(type(exc), exc, exc.__traceback__)})
    return _error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error; quote the request id")


ERROR_TABLE: dict[type[Exception], Callable[[Any], Response[str]]] = {
    RequestValidationError: _validation, InvalidInput: _invalid, ApiError: _api_error,
    ServiceError: _service_error, Exception: _unexpected,
}
for _kind, _handler in ERROR_TABLE.items():
    app.exception_handler(_kind)(_handler)


@app.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[str]:
    """The OpenAPI document (also at ``/swagger?format=json``)."""
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON,
                    body=app.get_openapi_json_schema(title=TITLE, version=__version__))


@redacted_errors
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Resolve one API Gateway REST proxy event."""
    app.append_context(services=SERVICES)
    return app.resolve(event, context)
