"""Validation of strategy parameter dicts (from the CLI's ``--params`` JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vyapari.core.errors import InvalidInput


def check_known(name: str, params: Mapping[str, Any], known: set[str]) -> None:
    """Reject parameters the strategy does not have, naming them."""
    unknown = sorted(set(params) - known)
    if unknown:
        raise InvalidInput(
            "--params", f"{name} has no parameter(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )


def positive_int(params: Mapping[str, Any], key: str, default: int) -> int:
    """``params[key]`` as an int > 0 (``default`` when absent)."""
    value = params.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput("--params", f"{key} must be a whole number > 0, got {value!r}")
    return value


def positive_float(params: Mapping[str, Any], key: str, default: float) -> float:
    """``params[key]`` as a float > 0 (``default`` when absent)."""
    value = params.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise InvalidInput("--params", f"{key} must be a number > 0, got {value!r}")
    return float(value)
