"""REST API Lambda: resolves API Gateway REST proxy events with :mod:`functions.api.app`'s resolver.

The settings are read from the environment at import; the resolver (Powertools' REST resolver with
request validation, OpenAPI and Swagger UI, every route and error handler) and the services are built
on the first request and kept for the process, so the cold import is the logger alone: about 0.1 s
of CPU instead of 0.6 s (``make package-check`` prints the import and the first call). ``app`` and
``SERVICES`` are attributes of this module (built when first read; a test may replace ``SERVICES``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from functions.shared.api_settings import ApiSettings
from functions.shared.redaction import redacted_errors

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from functions.shared.api_store import ApiServices

logger = Logger(service="vyapari-api")
SETTINGS = ApiSettings.from_env()
app: APIGatewayRestResolver  # both assigned by _build() on first use
SERVICES: ApiServices
_built: list[bool] = []  # empty again after a reload (tests reload it after changing the environment)


def _build() -> None:
    global app, SERVICES
    if not _built:
        from functions.api.app import build

        app, SERVICES = build(logger, SETTINGS)
        _built.append(True)


def __getattr__(name: str) -> Any:
    """``app`` and ``SERVICES``, built on first access."""
    if name in ("app", "SERVICES"):
        _build()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@redacted_errors
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Resolve one API Gateway REST proxy event."""
    _build()
    app.append_context(services=SERVICES)
    return app.resolve(event, context)
