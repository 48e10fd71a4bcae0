"""Powertools set-up shared by the workflow functions: one Logger, Metrics and Tracer per process.

``instrument`` wraps a ``lambda_handler`` with the Lambda context in the logs, cold-start and
custom metrics flushed as EMF, and X-Ray tracing (disabled with ``POWERTOOLS_TRACE_DISABLED=true``,
which the tests and the local runner set). Service name: ``POWERTOOLS_SERVICE_NAME`` (default
``vyapari-workflows``); metrics namespace: ``POWERTOOLS_METRICS_NAMESPACE`` (default ``vyapari``).
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

from functions.shared.redaction import Handler, redacted_errors

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "vyapari-workflows")
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "vyapari"), service=SERVICE)
tracer = Tracer(service=SERVICE)

__all__ = ["Handler", "instrument", "logger", "metrics", "redacted_errors", "tracer"]


def instrument(handler: Handler) -> Handler:
    """Decorate ``handler`` with the logger's context, metrics flushing and tracing (in that order),
    and redacted exceptions (:func:`redacted_errors`, outermost)."""
    traced = tracer.capture_lambda_handler(handler, capture_response=False)
    with_metrics = metrics.log_metrics(
        traced, capture_cold_start_metric=not is_metrics_disabled(), raise_on_empty_metrics=False
    )
    return redacted_errors(logger.inject_lambda_context(with_metrics, clear_state=True))
