"""Trading routes: ``GET /orders``, ``/positions``, ``/trades`` (viewer) and ``POST /orders`` (trader)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.api.routes import caller_of, services_of
from functions.shared.api_auth import needs
from functions.shared.api_models import ManualOrderIn, ManualOrderOut, Mode, RecordsOut
from vyapari.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from vyapari.api.ports import RecordStore
from vyapari.api.registry import now_ist, page
from vyapari.api.roles import Role
from vyapari.api.trading import record_manual_order

router = Router()
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Token = Annotated[str | None, Query(max_length=200)]
ModeQuery = Annotated[Mode, Query(description="paper or live")]


def _records(store: RecordStore, mode: str, limit: int, next_token: str | None) -> RecordsOut:
    return RecordsOut.model_validate({"mode": mode, **page(store, mode, limit, next_token)})


@router.get("/orders", tags=["trading"], middlewares=[needs(Role.VIEWER)])
def list_orders(mode: ModeQuery = "paper", limit: Limit = DEFAULT_LIMIT,
                next_token: Token = None) -> RecordsOut:
    """Orders of the live service in ``mode``, by ``client_order_id``."""
    return _records(services_of(router.context).orders, mode, limit, next_token)


@router.get("/positions", tags=["trading"], middlewares=[needs(Role.VIEWER)])
def list_positions(mode: ModeQuery = "paper", limit: Limit = DEFAULT_LIMIT,
                   next_token: Token = None) -> RecordsOut:
    """Positions of the live service in ``mode``, by ``instrument_id``."""
    return _records(services_of(router.context).positions, mode, limit, next_token)


@router.get("/trades", tags=["trading"], middlewares=[needs(Role.VIEWER)])
def list_trades(mode: ModeQuery = "paper", limit: Limit = DEFAULT_LIMIT,
                next_token: Token = None) -> RecordsOut:
    """Trades (fills) of the live service in ``mode``, by ``trade_id``."""
    return _records(services_of(router.context).trades, mode, limit, next_token)


@router.post("/orders", tags=["trading"], middlewares=[needs(Role.TRADER)],
             responses={202: {"description": "intent recorded (or the identical earlier one)",
                              "content": {"application/json": {"model": ManualOrderOut}}}})
def place_order(order: ManualOrderIn) -> Response[str]:
    """Record an order intent for the live service (trader); idempotent on ``client_order_id``.

    Locally, 409 when no session in the order's mode runs to take it (nothing is recorded)."""
    services = services_of(router.context)
    if services.order_gate is not None:
        services.order_gate(order.mode)
    record, _ = record_manual_order(services.orders, order.model_dump(mode="json"),
                              caller_of(router.context), now_ist().isoformat())
    body = ManualOrderOut.model_validate(record).model_dump_json()
    return Response(status_code=202, content_type="application/json", body=body)
