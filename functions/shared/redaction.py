"""Credentials masked in every exception that leaves a Lambda handler (no Powertools, no numpy).

The REST, WebSocket and workflow handlers all wrap their ``lambda_handler`` in
:func:`redacted_errors`; the redaction code itself loads only when an exception arrives.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]


def redacted_errors(handler: Handler) -> Handler:
    """``handler`` whose exceptions leave with credentials masked.

    The Lambda runtime formats an uncaught exception itself (``errorMessage`` from its text), past
    any logging filter: the exception is redacted in place (or replaced by one of the same class
    name, so Step Functions' error matching holds) before it leaves. The redaction module is
    imported only when an exception arrives (cold starts do not pay for it).
    """

    @functools.wraps(handler)
    def wrapped(event: dict[str, Any], context: Any) -> Any:
        try:
            return handler(event, context)
        except Exception as exc:
            from vyapari.brokers.redact import redact_exception

            clean = redact_exception(exc)
            if clean is exc:
                raise
            raise clean from None

    return wrapped
