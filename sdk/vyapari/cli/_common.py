"""Argument types and output helpers shared by the CLI commands."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from vyapari.core.money import to_decimal
from vyapari.core.time import parse_date


def date_arg(text: str) -> date:
    """``argparse`` type for ``YYYY-MM-DD``."""
    try:
        return parse_date(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None


def instant_arg(text: str) -> datetime:
    """``argparse`` type for an ISO 8601 instant with its UTC offset (e.g. ``2026-01-27T09:00+05:30``)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 instant") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a UTC offset, e.g. +05:30")
    return value


def price_arg(text: str) -> Decimal:
    """``argparse`` type for a positive price in ₹."""
    try:
        value = to_decimal(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be positive")
    return value


def positive_int_arg(text: str) -> int:
    """``argparse`` type for a whole number > 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive whole number")
    return value


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return float(obj)
    if isinstance(obj, date):
        return obj.isoformat()
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def print_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON (Decimals as numbers, dates as ISO strings)."""
    print(json.dumps(payload, indent=2, default=_default, ensure_ascii=False))
