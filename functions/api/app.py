"""The REST API's resolver: Powertools' REST resolver with request validation, OpenAPI and Swagger UI.

Routes live in :mod:`functions.api.routes` (market data, strategies and runs, trading, the live kill
switch, the broker login); :func:`build` wires the services from settings, maps every error kind to
its HTTP status in one table, and serves ``/openapi.json`` and ``/swagger``. No response ever carries
a stack trace: unexpected errors become a 500 with the request id only, and are logged.

:mod:`functions.api.handler` builds it on the first request, so the function's cold import stays
small (the resolver's validation models and boto3 cost about 0.6 s of CPU).
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from functions.api.routes import broker, dashboard, live, market, strategies, trading
from functions.shared.api_auth import check_roles_first
from functions.shared.api_models import ErrorOut
from functions.shared.api_settings import ApiSettings
from functions.shared.api_store import ApiServices, build_services
from vyapari import __version__
from vyapari.api.errors import ApiError
from vyapari.core.errors import InvalidInput

TITLE = "vyapari API"
DESCRIPTION = ("Market data, strategy registry and runs, orders, positions and trades, "
               "the live kill switch. Roles come from Cognito groups: viewer (read), trader (runs, "
               "orders, engaging the kill switch), admin (all, releasing the kill switch too). Send the "
               "Cognito ID token (locally: the token of POST /auth/login) as Authorization: Bearer <token>.")


def build(logger: Logger, settings: ApiSettings) -> tuple[APIGatewayRestResolver, ApiServices]:
    """A new resolver with every route and error handler, and the services of ``settings``."""
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    cors = CORSConfig(allow_origin=origins[0], extra_origins=origins[1:], max_age=600,
                      allow_headers=["Authorization", "Content-Type"]) if origins else None
    app = APIGatewayRestResolver(enable_validation=True, cors=cors)
    _configure(app)
    errors = _Errors(app, logger)
    for kind, handler in errors.table().items():
        app.exception_handler(kind)(handler)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document() -> Response[str]:
        """The OpenAPI document (also at ``/swagger?format=json``)."""
        return Response(status_code=200, content_type=content_types.APPLICATION_JSON,
                        body=app.get_openapi_json_schema(title=TITLE, version=__version__))

    return app, build_services(settings)


def _configure(app: APIGatewayRestResolver) -> None:
    app.configure_openapi(title=TITLE, version=__version__, description=DESCRIPTION,
                          security_schemes={"bearer": HTTPBearer(bearerFormat="JWT")},
                          security=[{"bearer": []}])
    app.enable_swagger(path="/swagger", title=TITLE, version=__version__)
    check_roles_first(app)
    for router in (market.router, strategies.router, trading.router, live.router, broker.router,
                   dashboard.router):
        app.include_router(router)


class _Errors:
    """Every error kind mapped to its status in one table; the request id in every error body."""

    def __init__(self, app: APIGatewayRestResolver, logger: Logger) -> None:
        self.app, self.logger = app, logger

    def table(self) -> dict[type[Exception], Callable[[Any], Response[str]]]:
        """Exception type -> handler (the most specific registered type wins)."""
        return {RequestValidationError: self.validation, InvalidInput: self.invalid, ApiError: self.api_error,
                ServiceError: self.service_error, Exception: self.unexpected}

    def request_id(self) -> str:
        """API Gateway's request id (the Lambda request id locally)."""
        context = self.app.current_event.raw_event.get("requestContext") or {}
        return str(context.get("requestId") or getattr(self.app.lambda_context, "aws_request_id", "")
                   or "unknown")

    def error(self, status: int, code: str, message: str,
              fields: list[dict[str, Any]] | None = None) -> Response[str]:
        """The JSON error body."""
        body = ErrorOut(error=code, message=message, request_id=self.request_id(), fields=fields or [])
        return Response(status_code=int(status), content_type=content_types.APPLICATION_JSON,
                        body=body.model_dump_json())

    def validation(self, exc: RequestValidationError) -> Response[str]:
        """422 naming every invalid field."""
        fields = [{"field": ".".join(str(p) for p in e["loc"]), "type": e["type"],
                   "message": e.get("msg", "")} for e in exc.errors()]
        names = ", ".join(f["field"] for f in fields)
        return self.error(HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error", f"invalid request: {names}",
                          fields)

    def invalid(self, exc: InvalidInput) -> Response[str]:
        """422 for the domain's own input checks."""
        return self.error(HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error", str(exc),
                          [{"field": exc.field, "type": "value_error", "message": exc.reason}])

    def api_error(self, exc: ApiError) -> Response[str]:
        """The API error's own status and code."""
        return self.error(exc.status, exc.code, str(exc))

    def service_error(self, exc: ServiceError) -> Response[str]:
        """Powertools' HTTP errors (404, 405, 400 ...)."""
        return self.error(exc.status_code, HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_"),
                          str(exc.msg))

    def unexpected(self, exc: Exception) -> Response[str]:
        """500 with the request id only; the redacted traceback goes to the log."""
        from vyapari.brokers.redact import format_redacted  # loaded on an error only

        # the traceback as redacted text: Powertools' own exc_info formatting bypasses our redaction
        error = format_redacted(type(exc), exc, exc.__traceback__)
        self.logger.error("unhandled error", extra={"request_id": self.request_id(), "error": error})
        return self.error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error",
                          "internal error; quote the request id")
