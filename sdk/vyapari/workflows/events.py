"""Read the inputs of a workflow step out of its event: Step Functions, EventBridge or S3.

* Step Functions task input: a plain object such as ``{"exchange": "NSE", "session_date": "2026-11-20"}``.
* EventBridge scheduled event: ``{"detail-type": "Scheduled Event", "time": "2026-11-20T12:30:00Z", ...}``;
  the session date is the IST date of ``time`` (12:30 UTC is 18:00 IST, after the close).
* S3 put event: ``{"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name"}, "object": {"key"}}}]}``
  with URL-encoded keys (``+`` for spaces).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import unquote_plus

from vyapari.core.errors import InvalidInput
from vyapari.core.time import IST


def session_date_of(event: dict[str, Any]) -> date:
    """``session_date`` (ISO) of a task input, else the IST date of an EventBridge event's ``time``."""
    detail = event.get("detail")
    text = event.get("session_date") or (detail.get("session_date") if isinstance(detail, dict) else None)
    if text:
        try:
            return date.fromisoformat(str(text))
        except ValueError:
            raise InvalidInput("session_date", f"{text!r} is not YYYY-MM-DD") from None
    when = event.get("time")
    if not when:
        raise InvalidInput("session_date", "missing (and no EventBridge 'time' to derive it from)")
    instant = datetime.fromisoformat(str(when).replace("Z", "+00:00"))
    if instant.tzinfo is None:
        raise InvalidInput("time", f"{when!r} has no time zone")
    return instant.astimezone(IST).date()


def s3_objects_of(event: dict[str, Any]) -> list[tuple[str, str]]:
    """``(bucket, key)`` of each record of an S3 event notification (keys URL-decoded)."""
    out = []
    for record in event.get("Records", []):
        s3 = record.get("s3") or {}
        bucket, key = (s3.get("bucket") or {}).get("name"), (s3.get("object") or {}).get("key")
        if bucket and key:
            out.append((str(bucket), unquote_plus(str(key))))
    return out


def exchange_of(event: dict[str, Any], default: str = "NSE") -> str:
    """The upper-cased ``exchange`` of a task input (``NSE`` or ``BSE``)."""
    value = str(event.get("exchange") or default).upper()
    if value not in ("NSE", "BSE"):
        raise InvalidInput("exchange", f"{value!r} is not NSE or BSE")
    return value
