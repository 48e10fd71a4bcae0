"""The dashboard's read routes (viewer and above): ``/me``, ``/overview``, ``/lake/coverage``, one run
``/strategy-runs/{id}`` (status and progress), its tear sheet ``/report`` (HTML), a short-lived link to
it ``/report-link`` (for the dashboard's iframe, which cannot send the header) and ``/round-trips``.

Thin wrappers over :mod:`vyapari.api.dashboard`; nothing here changes state.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from functions.api.routes import caller_of, services_of
from functions.shared.api_auth import claims_of, needs
from functions.shared.api_models import (
    ID_PATTERN,
    CoverageOut,
    KillSwitchOut,
    MeOut,
    OverviewItemOut,
    OverviewOut,
    ReportLinkOut,
    RoundTripsOut,
    RunOut,
)
from vyapari.api import dashboard
from vyapari.api.errors import ApiError, NotFound, Unavailable
from vyapari.api.registry import now_ist
from vyapari.api.roles import Role, parse_groups, role_of

router = Router()
RunId = Annotated[str, Path(pattern=ID_PATTERN)]
# The tear sheet is self-contained HTML with inline plotly scripts: it runs sandboxed (an opaque
# origin: it cannot read the dashboard's storage or call the API), framed only by the dashboard: the
# API's own origin (local) and DASHBOARD_ORIGIN (the CloudFront URL in AWS, https only).
REPORT_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
              "img-src data: blob:; font-src data:; sandbox allow-scripts allow-popups; "
              "frame-ancestors 'self'")
ORIGIN = re.compile(r"https://[A-Za-z0-9.-]+(:\d{1,5})?")


def report_csp(environ: Mapping[str, str]) -> str:
    """The tear sheet's CSP; ``DASHBOARD_ORIGIN`` (``https://host[:port]``) may frame it too."""
    origin = environ.get("DASHBOARD_ORIGIN", "").strip().rstrip("/")
    return f"{REPORT_CSP} {origin}" if ORIGIN.fullmatch(origin) else REPORT_CSP


@router.get("/me", tags=["dashboard"], middlewares=[needs(Role.VIEWER)])
def get_me() -> MeOut:
    """The caller's user name and role."""
    claims = claims_of(router.current_event.raw_event)
    role = role_of(parse_groups(claims.get("cognito:groups"))) or Role.VIEWER
    name = str(claims.get("cognito:username") or claims.get("sub") or "unknown")
    return MeOut(username=name, role=role.name.lower())  # type: ignore[arg-type]


def _evaluation(run: dict[str, Any] | None) -> dict[str, Any] | None:
    """The latest evaluation's headline (badge, criteria, weeks, this week so far), or ``None``."""
    if run is None:
        return None
    try:
        document = services_of(router.context).registry.evaluation(str(run["run_id"]))["evaluation"]
    except NotFound:
        return None
    weekly = document.get("weekly") or []
    return {key: document.get(key) for key in ("badge", "criteria", "weeks", "enough_weeks", "as_of",
                                               "mean_weekly_return_pct", "max_drawdown_pct", "notes")} | {
        "this_week": weekly[-1] if weekly else None}


@router.get("/overview", tags=["dashboard"], middlewares=[needs(Role.VIEWER)])
def get_overview() -> OverviewOut:
    """Every strategy with its newest run and weekly badges, the kill switch, readiness (paper broker)
    and the last ingestion; a part that could not be read is named in ``problems``."""
    services = services_of(router.context)
    now = now_ist()
    items = [OverviewItemOut(strategy=row["strategy"], latest_run=row["latest_run"],
                             evaluation=_evaluation(row["latest_run"]))
             for row in dashboard.latest_runs(services.registry.records)]
    problems: list[str] = []
    switch = None
    if services.kill_switch is not None:
        state = services.kill_switch.state()
        switch = KillSwitchOut(engaged=state.engaged, reason=state.reason, engaged_at=state.engaged_at)
    readiness = ingestion = None
    try:
        ingestion = dashboard.last_ingestion(services.lake)
    except (OSError, ValueError) as exc:
        problems.append(f"last ingestion: {exc}")
    try:
        kill = services.kill_switch
        readiness = dashboard.paper_readiness(
            services.lake, lambda: None if kill is None or not kill.state().engaged else {
                "reason": kill.state().reason or ""}, os.environ, now)
    except (OSError, ValueError) as exc:
        problems.append(f"readiness: {exc}")
    return OverviewOut(as_of=now.isoformat(), strategies=items, kill_switch=switch, readiness=readiness,
                       last_ingestion=ingestion, problems=problems)


def _sessions_between(exchange: str, first: date, last: date) -> list[date]:
    from vyapari.market.calendar import get_calendar

    return [s.session_date for s in get_calendar(exchange).sessions(first, last)]


@router.get("/lake/coverage", tags=["dashboard"], middlewares=[needs(Role.VIEWER)])
def get_coverage() -> CoverageOut:
    """Lake coverage by exchange, session and symbol: present, missing and quarantined (with why)."""
    return CoverageOut.model_validate(dashboard.lake_coverage(services_of(router.context).lake,
                                                              _sessions_between))


@router.get("/strategy-runs/<run_id>", tags=["strategy runs"], middlewares=[needs(Role.VIEWER)])
def get_run(run_id: RunId) -> RunOut:
    """One run: its status (``CREATED``, ``STARTED``/``RUNNING``, ``SUCCEEDED``, ``FAILED``), progress."""
    return RunOut.model_validate(services_of(router.context).registry.run(run_id))


def _published(run_id: str) -> dict[str, Any]:
    evaluation: dict[str, Any] = services_of(router.context).registry.evaluation(run_id)["evaluation"]
    return evaluation


@router.get("/strategy-runs/<run_id>/report", tags=["strategy runs"], middlewares=[needs(Role.VIEWER)],
            responses={200: {"description": "the tear sheet", "content": {"text/html": {}}}})
def get_report(run_id: RunId) -> Response[str]:
    """The tear sheet (self-contained HTML) of the run's latest evaluation; 404 until published."""
    key = _report_key(run_id)
    lake = services_of(router.context).lake
    return Response(status_code=200, content_type="text/html; charset=utf-8",
                     body=lake.get(key).decode("utf-8", "replace"),
                     headers={"Content-Security-Policy": report_csp(os.environ),
                              "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=60",
                              "Referrer-Policy": "no-referrer"})


def _report_key(run_id: str) -> str:
    """The lake key of the run's published tear sheet; :class:`NotFound` until there is one."""
    key = dashboard.report_key(_published(run_id))
    if key is None or not services_of(router.context).lake.exists(key):
        raise NotFound(f"strategy run {run_id!r} has no tear sheet yet")
    return key


@router.get("/strategy-runs/<run_id>/report-link", tags=["strategy runs"], middlewares=[needs(Role.VIEWER)])
def get_report_link(run_id: RunId) -> ReportLinkOut:
    """A link to the run's tear sheet valid about two minutes, for a sandboxed iframe: a presigned GET
    of the private lake object in AWS, a signed path of this API locally; 404 until published."""
    links = services_of(router.context).report_links
    if links is None:
        raise Unavailable("tear-sheet links need an S3 lake (or vyapari api serve's token secret)")
    link = links.link(_report_key(run_id), run_id, caller_of(router.context))
    expires = datetime.fromtimestamp(link.expires_at, UTC)
    left = max(0, int((expires - datetime.now(UTC)).total_seconds()))
    return ReportLinkOut(run_id=run_id, url=link.url, expires_at=expires.isoformat(), expires_in_s=left)


@router.get("/strategy-runs/<run_id>/round-trips", tags=["strategy runs"], middlewares=[needs(Role.VIEWER)])
def get_round_trips(run_id: RunId,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> RoundTripsOut:
    """Round trips of the evaluated item (FIFO pairs of fills, ₹, IST), the first ``limit`` of them."""
    import pandas as pd

    from vyapari.backtest.round_trips import round_trips

    prefix = dashboard.item_files(_published(run_id))
    lake = services_of(router.context).lake
    key = f"{prefix}trades.parquet" if prefix else None
    if key is None or not lake.exists(key):
        raise NotFound(f"strategy run {run_id!r} has no trades in the lake")
    try:
        table = round_trips(pd.read_parquet(io.BytesIO(lake.get(key))))
    except (ValueError, KeyError) as exc:
        raise ApiError(f"the trades of strategy run {run_id!r} cannot be read: {exc}") from exc
    rows = table.head(limit).assign(
        entry_ts=lambda t: t["entry_ts"].astype(str), exit_ts=lambda t: t["exit_ts"].astype(str),
        holding=lambda t: t["holding"].astype(str))
    return RoundTripsOut(run_id=run_id, total=len(table), net_pnl_inr=float(table["net_pnl_inr"].sum()),
                         items=rows.to_dict(orient="records"))
