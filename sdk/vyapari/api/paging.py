"""Opaque pagination tokens: URL-safe base64 of a small JSON object.

A token carries the position to resume from (``after``: the last key returned, or ``offset``: a row
index). Callers pass back ``next_token`` unchanged; a token that does not decode is an
:class:`~vyapari.core.errors.InvalidInput` on ``next_token`` (HTTP 422).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from vyapari.core.errors import InvalidInput

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def encode_token(position: dict[str, Any]) -> str:
    """An opaque token of ``position``."""
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str | None) -> dict[str, Any]:
    """The position inside ``token`` (``{}`` for ``None`` or an empty string)."""
    if not token:
        return {}
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        position = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("next_token", "not a token returned by this API") from exc
    if not isinstance(position, dict):
        raise InvalidInput("next_token", "not a token returned by this API")
    return position


def offset_of(token: str | None) -> int:
    """The row offset inside an offset token (0 when absent)."""
    offset = decode_token(token).get("offset", 0)
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidInput("next_token", "not a token returned by this API")
    return offset


def after_of(token: str | None) -> str | None:
    """The last key inside a key token (``None`` when absent)."""
    after = decode_token(token).get("after")
    if after is not None and not isinstance(after, str):
        raise InvalidInput("next_token", "not a token returned by this API")
    return after
