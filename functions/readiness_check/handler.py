"""Pre-open readiness check (08:45 IST on weekdays): the sdk's suite against the S3 lake, the broker
session in Secrets Manager and the risk state (kill switch) in the DynamoDB order-state table.

Emits ``ready`` (1 ready, 0 not) and one metric per failed check's error name (``SessionExpired``,
``IngestionMissing``, ``InstrumentsStale``, ``IpNotRegistered``, ``KillSwitchEngaged``…, value 1);
on a day that is not a session only ``NotASession`` is emitted, so holidays do not page. The report
is logged and returned (the dashboard shows it). ``{"at": "2026-01-05T08:45:00+05:30"}`` checks as
of another instant. The function runs in the VPC's private subnets so the egress-IP check sees the
NAT's static address, the one registered with the broker.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime
from typing import Any

from functions.shared.dynamo_order_store import DynamoDbOrderStateStore
from functions.shared.lake_store import build_store
from functions.shared.powertools import instrument, logger, metrics
from functions.shared.preopen_settings import PreOpenSettings
from functions.shared.readiness_suite import ReadinessSources, check_readiness, error_names
from functions.shared.secrets_manager_store import SecretsManagerSecretsStore
from functions.shared.settings import get_settings
from vyapari.brokers.session import now_ist
from vyapari.core.time import require_aware
from vyapari.live.preopen import is_holiday

SETTINGS = PreOpenSettings.from_env()
SOURCES = ReadinessSources(
    broker=SETTINGS.broker,
    lake=build_store(get_settings()),
    secrets=SecretsManagerSecretsStore(SETTINGS.need("secrets_prefix"), max_age_s=0),
    store=DynamoDbOrderStateStore(SETTINGS.need("order_state_table")),
)


@instrument
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run every check once; emit ``ready`` and the failed errors; return the JSON report."""
    at = require_aware(datetime.fromisoformat(event["at"]), name="at") if event.get("at") else now_ist()
    report = check_readiness(SOURCES, os.environ, at)
    holiday = is_holiday(report)
    if not holiday:
        metrics.add_metric(name="ready", unit="Count", value=1 if report.ready else 0)
    for name, count in Counter(error_names(report)).items():
        metrics.add_metric(name=name, unit="Count", value=count)
    result = report.to_dict()
    if report.ready or holiday:
        logger.info("readiness report", extra={"report": result})
    else:
        logger.error("not ready", extra={"report": result})
    return result
