"""Strategy registry and run routes: ``/strategies``, ``/strategy-runs`` and their actions."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from functions.api.routes import caller_of, services_of
from functions.shared.api_auth import needs
from functions.shared.api_models import (
    ID_PATTERN,
    EvaluationOut,
    RunIn,
    RunOut,
    RunsOut,
    StartIn,
    StrategiesOut,
    StrategyIn,
    StrategyOut,
)
from vyapari.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from vyapari.api.registry import page
from vyapari.api.roles import Role

router = Router()
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Token = Annotated[str | None, Query(max_length=200)]
RunId = Annotated[str, Path(pattern=ID_PATTERN)]


def json_response(status: int, model: StrategyOut | RunOut) -> Response[str]:
    """A JSON response with a status other than 200."""
    return Response(status_code=status, content_type="application/json", body=model.model_dump_json())


@router.get("/strategies", tags=["strategies"], middlewares=[needs(Role.VIEWER)])
def list_strategies(limit: Limit = DEFAULT_LIMIT, next_token: Token = None) -> StrategiesOut:
    """Registered strategy definitions, and the reference strategies they may use."""
    from vyapari.strategies import STRATEGIES

    listing = page(services_of(router.context).registry.records, "strategy", limit, next_token)
    return StrategiesOut.model_validate({**listing, "reference_strategies": sorted(STRATEGIES)})


@router.post("/strategies", tags=["strategies"], middlewares=[needs(Role.ADMIN)],
             responses={201: {"description": "registered",
                              "content": {"application/json": {"model": StrategyOut}}}})
def create_strategy(definition: StrategyIn) -> Response[str]:
    """Register a strategy definition (admin); 409 when the name is taken."""
    registry = services_of(router.context).registry
    record = registry.create_strategy(definition.model_dump(mode="json"), caller_of(router.context))
    return json_response(201, StrategyOut.model_validate(record))


@router.get("/strategy-runs", tags=["strategy runs"], middlewares=[needs(Role.VIEWER)])
def list_runs(limit: Limit = DEFAULT_LIMIT, next_token: Token = None) -> RunsOut:
    """Strategy runs in id order."""
    registry = services_of(router.context).registry
    return RunsOut.model_validate(page(registry.records, "run", limit, next_token))


@router.post("/strategy-runs", tags=["strategy runs"], middlewares=[needs(Role.TRADER)],
             responses={201: {"description": "created", "content": {"application/json": {"model": RunOut}}}})
def create_run(request: RunIn) -> Response[str]:
    """Create a run of a registered definition (trader); start it with ``/start``."""
    registry = services_of(router.context).registry
    record = registry.create_run(request.model_dump(mode="json"), caller_of(router.context))
    return json_response(201, RunOut.model_validate(record))


@router.post("/strategy-runs/<run_id>/start", tags=["strategy runs"], middlewares=[needs(Role.TRADER)],
             responses={202: {"description": "started", "content": {"application/json": {"model": RunOut}}}})
def start_run(run_id: RunId, request: StartIn) -> Response[str]:
    """Start the backtest workflow of a run (trader), idempotent on ``client_token``."""
    registry = services_of(router.context).registry
    record = registry.start_run(run_id, request.client_token, caller_of(router.context))
    return json_response(202, RunOut.model_validate(record))


@router.get("/strategy-runs/<run_id>/evaluate", tags=["strategy runs"], middlewares=[needs(Role.VIEWER)])
def evaluate_run(run_id: RunId) -> EvaluationOut:
    """The latest weekly evaluation of a run, with its badges; 404 until one is published."""
    return EvaluationOut.model_validate(services_of(router.context).registry.evaluation(run_id))
