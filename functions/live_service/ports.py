"""The AWS ports of the live service, built from the task's environment.

Variables (set by ``cdk/stacks/live.py``):

``ORDER_STATE_TABLE``
    DynamoDB table of intents, kill switch and checkpoints (required).
``VYAPARI_SECRETS_PREFIX``
    ``vyapari/<stage>``: the broker session is the secret ``<prefix>/<broker>/session`` (required).
``SECRETS_MAX_AGE_S``
    Seconds a session read is reused (default 30): a new token is used at most this much later.
``WS_ENDPOINT_URL``, ``CONNECTIONS_TABLE``
    The WebSocket API's management endpoint and connections table; without both, nothing is
    published (logged once).
``ORDERS_TABLE``, ``POSITIONS_TABLE``, ``TRADES_TABLE``
    The REST API's record tables: with all three, every order update, fill and position is written
    there (partition ``paper`` or ``live``) for ``GET /orders|/positions|/trades``
    (:mod:`functions.shared.live_records`); with none, nothing is recorded (logged once).
``LAKE_URI``
    ``s3://bucket`` of the lake, read by the pre-open readiness check; the day's fills log is kept
    there as ``live/fills/<run>/<date>.jsonl`` (:mod:`functions.live_service.fills_upload`).
``FILLS_UPLOAD_INTERVAL_S``
    Seconds between uploads of a changed fills log to the lake (default 15): a task killed
    outright loses at most that much of the lake's copy.
``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_SERVICE_NAME``
    EMF namespace (``vyapari``) and ``service`` dimension (``vyapari-live``) of the metrics written
    as JSON lines on stdout, which the awslogs driver ships to CloudWatch.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from functions.live_service.fills_upload import DEFAULT_INTERVAL_S
from functions.shared.dynamo_order_store import DynamoDbOrderStateStore
from functions.shared.dynamo_paper_journal import DynamoDbPaperJournal
from functions.shared.live_records import dynamodb_record_stores, live_records_publisher
from functions.shared.queued_publisher import QueuedPublisher
from functions.shared.secrets_manager_store import DEFAULT_MAX_AGE_S, SecretsManagerSecretsStore
from functions.shared.ws_publisher import WebSocketPublisher
from vyapari.api.live_records import LiveRecords
from vyapari.api.trading import RecordOrderInbox
from vyapari.data.storage import ObjectStore
from vyapari.live.ports import EmfMetrics, LivePorts, Publisher

log = logging.getLogger(__name__)
RECORD_TABLES = ("ORDERS_TABLE", "POSITIONS_TABLE", "TRADES_TABLE")


@dataclass(frozen=True)
class LiveServiceSettings:
    """The service's environment, validated once (see the module docstring)."""

    order_state_table: str
    secrets_prefix: str
    secrets_max_age_s: float = DEFAULT_MAX_AGE_S
    ws_endpoint_url: str = ""
    connections_table: str = ""
    lake_uri: str = ""
    fills_upload_interval_s: float = DEFAULT_INTERVAL_S
    record_tables: tuple[str, str, str] | None = None  # orders, positions, trades
    metrics_namespace: str = "vyapari"
    service: str = "vyapari-live"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LiveServiceSettings:
        """Settings from ``env`` (``os.environ`` by default); ``ValueError`` names a missing variable."""
        env = os.environ if env is None else env
        missing = [k for k in ("ORDER_STATE_TABLE", "VYAPARI_SECRETS_PREFIX") if not env.get(k)]
        if missing:
            raise ValueError(f"{' and '.join(missing)} must be set for the live service")
        try:
            max_age = float(env.get("SECRETS_MAX_AGE_S") or DEFAULT_MAX_AGE_S)
        except ValueError:
            raise ValueError("SECRETS_MAX_AGE_S must be a number of seconds") from None
        interval = _seconds(env, "FILLS_UPLOAD_INTERVAL_S", DEFAULT_INTERVAL_S)
        tables = tuple(env.get(k, "") for k in RECORD_TABLES)
        if any(tables) and not all(tables):
            unset = [k for k, v in zip(RECORD_TABLES, tables, strict=True) if not v]
            raise ValueError(f"{' and '.join(unset)} must be set too: the API's records need all three")
        return cls(
            order_state_table=env["ORDER_STATE_TABLE"],
            secrets_prefix=env["VYAPARI_SECRETS_PREFIX"],
            secrets_max_age_s=max_age,
            ws_endpoint_url=env.get("WS_ENDPOINT_URL", ""),
            connections_table=env.get("CONNECTIONS_TABLE", ""),
            lake_uri=env.get("LAKE_URI", ""),
            fills_upload_interval_s=interval,
            record_tables=(tables[0], tables[1], tables[2]) if all(tables) else None,
            metrics_namespace=env.get("POWERTOOLS_METRICS_NAMESPACE") or "vyapari",
            service=env.get("POWERTOOLS_SERVICE_NAME") or "vyapari-live",
        )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """``env[name]`` as a positive number of seconds (``default`` when unset or empty)."""
    text = env.get(name) or ""
    try:
        value = float(text) if text else default
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{name} must be a positive number of seconds, got {text!r}")
    return value


def build_ports(settings: LiveServiceSettings, *, mode: str = "paper", journal_id: str = "paper",
                metrics_stream: TextIO | None = None) -> LivePorts:
    """DynamoDB order state, Secrets Manager session, the API's records in partition ``mode``
    (``paper`` or ``live``) then the WebSocket publisher, EMF metrics on stdout; on paper, the
    paper broker's journal ``journal_id`` in the order-state table (so a replaced task keeps its
    simulated orders, fills and cash)."""
    metrics = EmfMetrics(settings.metrics_namespace, metrics_stream or sys.stdout, settings.service)
    publisher: Publisher | None = None
    if settings.ws_endpoint_url and settings.connections_table:
        publisher = WebSocketPublisher.from_settings(
            settings.ws_endpoint_url, settings.connections_table, metrics=metrics
        )
    else:
        log.warning("WS_ENDPOINT_URL or CONNECTIONS_TABLE not set: live updates are not published")
    inbox = None
    if settings.record_tables is not None:
        stores = dynamodb_record_stores(*settings.record_tables)
        publisher = live_records_publisher(stores, mode, publisher, metrics=metrics)
        inbox = RecordOrderInbox(stores.orders, mode)  # POST /orders → the engine
    else:
        log.warning("ORDERS_TABLE, POSITIONS_TABLE and TRADES_TABLE not set: the API lists no orders")
    return LivePorts(
        store=DynamoDbOrderStateStore(settings.order_state_table),
        secrets=SecretsManagerSecretsStore(settings.secrets_prefix, max_age_s=settings.secrets_max_age_s),
        publisher=publisher,
        metrics=metrics,
        paper_journal=(
            DynamoDbPaperJournal(settings.order_state_table, journal_id) if mode == "paper" else None
        ),
        inbox=inbox,
    )


def build_lake(settings: LiveServiceSettings) -> ObjectStore | None:
    """The lake of ``LAKE_URI`` (S3 or a folder), or None when it is not set."""
    if not settings.lake_uri:
        return None
    from functions.shared.lake_store import build_store
    from functions.shared.settings import Settings

    return build_store(Settings(lake_uri=settings.lake_uri))


def close_ports(ports: LivePorts) -> None:
    """Record and send what the publishers still hold (a few seconds at most)."""
    publisher = ports.publisher
    while isinstance(publisher, QueuedPublisher):  # the records' queue, then the WebSocket's
        publisher.close()
        publisher = publisher.target.forward if isinstance(publisher.target, LiveRecords) else None
