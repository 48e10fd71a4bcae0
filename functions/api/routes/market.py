"""Market-data routes: ``GET /exchanges``, ``GET /assets``, ``GET /bars`` (viewer and above)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.api.routes import services_of
from functions.shared.api_auth import needs
from functions.shared.api_models import SYMBOL_PATTERN, AssetsOut, BarsOut, ExchangesOut
from vyapari.api import market
from vyapari.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from vyapari.api.registry import now_ist
from vyapari.api.roles import Role

router = Router()
Exchange = Literal["NSE", "BSE"]


@router.get("/exchanges", tags=["market"], middlewares=[needs(Role.VIEWER)])
def get_exchanges() -> ExchangesOut:
    """The cash exchanges with today's session (if any) and the next one, times in IST."""
    return ExchangesOut.model_validate({"items": market.exchanges(now_ist().date())})


@router.get("/assets", tags=["market"], middlewares=[needs(Role.VIEWER)])
def get_assets(exchange: Annotated[Exchange | None, Query()] = None) -> AssetsOut:
    """Symbols known to the lake (latest daily file and minute bars), by exchange."""
    return AssetsOut.model_validate({"items": market.assets(services_of(router.context).lake, exchange)})


@router.get("/bars", tags=["market"], middlewares=[needs(Role.VIEWER)])
def get_bars(
    symbol: Annotated[str, Query(pattern=SYMBOL_PATTERN, description="e.g. RELIANCE")],
    start: Annotated[date, Query(alias="from", description="first session, YYYY-MM-DD")],
    end: Annotated[date, Query(alias="to", description="last session, YYYY-MM-DD")],
    exchange: Annotated[Exchange, Query()] = "NSE",
    interval: Annotated[Literal["1m", "5m", "15m", "1d"], Query()] = "1d",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    next_token: Annotated[str | None, Query(max_length=200)] = None,
) -> BarsOut:
    """One page of bars (bar start in IST, prices ₹, volume in shares), oldest first."""
    query = market.BarQuery(symbol, exchange, interval, start, end, limit, next_token)
    return BarsOut.model_validate(market.bars_page(services_of(router.context).lake, query))
