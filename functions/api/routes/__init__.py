"""Routers of the REST API, grouped by concept (market data, strategies and runs, trading, live)."""

from __future__ import annotations

from typing import Any

from functions.shared.api_store import ApiServices


def services_of(context: dict[str, Any]) -> ApiServices:
    """The services the handler put in the resolver's context for this request."""
    services: ApiServices = context["services"]
    return services


def caller_of(context: dict[str, Any]) -> str:
    """The caller's user name, set by the role middleware."""
    return str(context.get("caller", "unknown"))
