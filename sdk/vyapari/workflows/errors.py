"""Errors the workflows route on: their class names are the ``Error`` names in the ASL files.

A Lambda error's name is the exception's class name, so these names are part of the contract with
``statemachines/*.asl.json`` (``Retry.ErrorEquals`` / ``Catch.ErrorEquals``).
"""

from __future__ import annotations

from typing import Any

from vyapari.core.errors import VyapariError


class TransientError(VyapariError):
    """A failure worth retrying as is (throttling, a timeout, a dependency briefly away)."""


class FileRejected(VyapariError):
    """An ingested file was rejected (kept under ``raw/``, reason under ``quarantine/``)."""

    def __init__(self, name: str, reason: str, message: str) -> None:
        super().__init__(f"{name}: {reason}: {message}")
        self.name = name
        self.reason = reason


class WorkItemFailed(VyapariError):
    """A backtest work item could not run (bad parameters, no data)."""


def error_record(error: Any) -> dict[str, Any]:
    """``{"error", "cause"}`` of a Step Functions ``Catch`` result (``ResultPath`` object), cause parsed.

    The cause of a Lambda error is the JSON ``{"errorType", "errorMessage", ...}``; other causes stay text.
    """
    import json

    if not isinstance(error, dict):
        return {"error": "Unknown", "cause": str(error)}
    cause: Any = error.get("Cause", error.get("cause", ""))
    try:
        parsed = json.loads(cause) if isinstance(cause, str) else cause
    except ValueError:
        parsed = cause
    if isinstance(parsed, dict) and "errorMessage" in parsed:
        parsed = {"type": parsed.get("errorType"), "message": parsed.get("errorMessage")}
    return {"error": str(error.get("Error", error.get("error", "Unknown"))), "cause": parsed}
