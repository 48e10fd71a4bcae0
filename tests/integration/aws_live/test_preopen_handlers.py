"""The two pre-open Lambdas under moto: the daily instrument snapshot (a bad download keeps
yesterday's and fails loudly) and the 08:45 readiness check (metrics and the JSON report)."""

from __future__ import annotations

import gzip
import importlib
import json
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import boto3
import pytest
from functions.local.moto_lambda import FakeLambdaContext
from functions.shared.dynamo_order_store import DynamoDbOrderStateStore
from functions.shared.s3_store import S3ObjectStore
from functions.shared.secrets_manager_store import SecretsManagerSecretsStore
from tests.integration.aws_live.conftest import REGION
from tests.unit.instruments.master_fakes import kite_csv, kite_rows, upstox_json

from vyapari.brokers.session import BrokerSession, SessionProvider, now_ist
from vyapari.core.time import IST
from vyapari.data import layout
from vyapari.instruments import InstrumentSnapshots
from vyapari.live.risk import engage_kill_switch

BUCKET = "vyapari-test-lake"
PREFIX = "vyapari/test"
MONDAY, TUESDAY = date(2026, 1, 5), date(2026, 1, 6)


class DumpServer:
    """Serves ``/instruments`` (Kite) and ``/complete.json.gz`` (Upstox); ``bodies`` says what, and
    ``cut_short`` lies about the length (the connection ends early); requests' headers are kept."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes | int] = {}
        self.cut_short: set[str] = set()
        self.headers: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                body = server.bodies.get(self.path, 404)
                if isinstance(body, int):
                    self.send_error(body)
                    return
                self.send_response(200)
                extra = 1000 if self.path in server.cut_short else 0
                self.send_header("Content-Length", str(len(body) + extra))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.root = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()


@pytest.fixture
def dumps() -> Iterator[DumpServer]:
    server = DumpServer()
    server.bodies["/instruments"] = gzip.compress(kite_csv(kite_rows()))
    server.bodies["/complete.json.gz"] = gzip.compress(upstox_json(30))
    server.bodies["/ip"] = b"127.0.0.1\n"
    yield server
    server.stop()


@pytest.fixture
def lake(aws: dict[str, Any], order_table: str, dumps: DumpServer,
         monkeypatch: pytest.MonkeyPatch) -> S3ObjectStore:
    """An S3 lake and the functions' environment (as cdk/stacks/live.py sets it)."""
    boto3.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    for key, value in {"LAKE_URI": f"s3://{BUCKET}", "VYAPARI_SECRETS_PREFIX": PREFIX,
                       "ORDER_STATE_TABLE": order_table, "BROKER": "zerodha",
                       "INSTRUMENT_BROKERS": "zerodha,upstox", "KITE_API_ROOT": dumps.root,
                       "UPSTOX_INSTRUMENTS_URL": f"{dumps.root}/complete.json.gz", "DOWNLOAD_ATTEMPTS": "1",
                       "DOWNLOAD_TIMEOUT_S": "5", "REGISTERED_EGRESS_IP": "127.0.0.1",
                       "EGRESS_IP_URL": f"{dumps.root}/ip", "POWERTOOLS_TRACE_DISABLED": "true",
                       "POWERTOOLS_METRICS_NAMESPACE": "vyapari"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    return S3ObjectStore(BUCKET)


@pytest.fixture
def load(lake: S3ObjectStore, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], ModuleType]:
    """Import ``functions.<name>.handler`` afresh with service name ``service`` (metrics, logs)."""
    from functions.shared import powertools
    from functions.shared.settings import get_settings

    def load(name: str, service: str) -> ModuleType:
        from aws_lambda_powertools import Metrics

        Metrics().clear_metrics()  # Powertools shares one metric set per process: drop other tests' leftovers
        monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", service)
        get_settings.cache_clear()
        importlib.reload(powertools)
        sys.modules.pop(f"functions.{name}.handler", None)
        return importlib.import_module(f"functions.{name}.handler")

    return load


def metrics_of(stdout: str) -> dict[str, float]:
    """Metric name -> value of the EMF lines printed by Powertools (without its ``ColdStart``)."""
    out: dict[str, float] = {}
    for line in stdout.splitlines():
        if '"_aws"' not in line:
            continue
        record = json.loads(line)
        for directive in record["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                if metric["Name"] == "ColdStart":
                    continue
                value = record[metric["Name"]]
                out[metric["Name"]] = sum(value) if isinstance(value, list) else value
    return out


# ----- download_instruments -------------------------------------------------------------
def test_dumps_become_todays_live_snapshots(load: Callable[..., ModuleType], lake: S3ObjectStore,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    handler = load("download_instruments", "vyapari-instruments")
    result = handler.lambda_handler({"session_date": "2026-01-05"}, FakeLambdaContext("dl"))
    assert [(r["broker"], r["ok"], r["rows"]) for r in result["results"]] == [
        ("zerodha", True, 42), ("upstox", True, 30)]
    snapshots = InstrumentSnapshots(lake)
    assert snapshots.live_date("zerodha") == MONDAY == snapshots.live_date("upstox")
    assert metrics_of(capsys.readouterr().out) == {"instruments_snapshot_failed": 0, "instruments_rows": 72}


@pytest.mark.parametrize("fault", ["truncated_gzip", "cut_short", "http_500", "row_count"])
def test_a_bad_download_keeps_yesterday_and_fails_loudly(
    fault: str, load: Callable[..., ModuleType], lake: S3ObjectStore, dumps: DumpServer,
    capsys: pytest.CaptureFixture[str]
) -> None:
    handler = load("download_instruments", "vyapari-instruments")
    handler.lambda_handler({"session_date": "2026-01-05"}, FakeLambdaContext("dl"))
    capsys.readouterr()
    good = dumps.bodies["/instruments"]
    assert isinstance(good, bytes)
    if fault == "truncated_gzip":
        dumps.bodies["/instruments"] = good[: len(good) // 2]
    elif fault == "cut_short":
        dumps.cut_short.add("/instruments")
    elif fault == "http_500":
        dumps.bodies["/instruments"] = 500
    else:
        dumps.bodies["/instruments"] = gzip.compress(kite_csv(kite_rows(n_equities=10)))
    with pytest.raises(handler.InstrumentsSnapshotFailed, match="zerodha") as info:
        handler.lambda_handler({"time": "2026-01-06T02:50:00Z"}, FakeLambdaContext("dl"))
    assert "previous one stays live" in str(info.value)
    snapshots = InstrumentSnapshots(lake)
    assert snapshots.live_date("zerodha") == MONDAY and snapshots.live_date("upstox") == TUESDAY
    assert metrics_of(capsys.readouterr().out)["instruments_snapshot_failed"] == 1


def test_kite_dump_is_requested_with_the_session_when_there_is_one(
    load: Callable[..., ModuleType], dumps: DumpServer
) -> None:
    handler = load("download_instruments", "vyapari-instruments")
    handler.lambda_handler({"session_date": "2026-01-05", "brokers": ["zerodha"]}, FakeLambdaContext("dl"))
    assert dumps.headers[-1]["x-kite-version"] == "3" and "authorization" not in dumps.headers[-1]
    store = SecretsManagerSecretsStore(PREFIX, max_age_s=0)
    store.put("broker-keys", {"KITE_API_KEY": "kitekey0001"})
    SessionProvider("zerodha", store).save(BrokerSession.issued("zerodha", "tok-abcdef-1", now_ist()))
    handler.lambda_handler({"session_date": "2026-01-06", "brokers": ["zerodha"]}, FakeLambdaContext("dl"))
    assert dumps.headers[-1]["authorization"] == "token kitekey0001:tok-abcdef-1"


def test_no_snapshot_on_a_holiday(load: Callable[..., ModuleType], dumps: DumpServer) -> None:
    handler = load("download_instruments", "vyapari-instruments")
    result = handler.lambda_handler({"session_date": "2026-01-26"}, FakeLambdaContext("dl"))
    assert result["skipped"] == "not a session" and dumps.headers == []


# ----- readiness_check ------------------------------------------------------------------
def ready_morning(lake: S3ObjectStore) -> None:
    """Friday's bars and Zerodha snapshot in the lake; Monday's session stored at 08:00 IST."""
    friday = date(2026, 1, 2)
    lake.put(layout.day_key("daily_bars", "NSE", friday), b"parquet")
    assert InstrumentSnapshots(lake).publish("zerodha", friday, kite_csv(kite_rows())).ok
    session = BrokerSession.issued("zerodha", "tok-monday-1", datetime(2026, 1, 5, 8, tzinfo=IST), "AB1234")
    SessionProvider("zerodha", SecretsManagerSecretsStore(PREFIX)).save(session)


def test_a_ready_morning_reports_ready(load: Callable[..., ModuleType], lake: S3ObjectStore,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    ready_morning(lake)
    handler = load("readiness_check", "vyapari-readiness")
    report = handler.lambda_handler({"at": "2026-01-05T08:45:00+05:30"}, FakeLambdaContext("ready"))
    assert report["ready"] is True and report["errors"] == [], report
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert statuses["egress_ip"] == "pass" and statuses["instruments"] == "pass"
    assert metrics_of(capsys.readouterr().out) == {"ready": 1}


def test_failures_become_named_metrics(load: Callable[..., ModuleType], lake: S3ObjectStore,
                                       order_table: str, capsys: pytest.CaptureFixture[str]) -> None:
    lake.put(layout.day_key("daily_bars", "NSE", date(2026, 1, 2)), b"parquet")
    engage_kill_switch(DynamoDbOrderStateStore(order_table), "operator")
    handler = load("readiness_check", "vyapari-readiness")
    report = handler.lambda_handler({"at": "2026-01-05T08:45:00+05:30"}, FakeLambdaContext("ready"))
    assert report["ready"] is False
    assert set(report["errors"]) == {"SessionExpired", "InstrumentsStale", "KillSwitchEngaged"}
    assert metrics_of(capsys.readouterr().out) == {
        "ready": 0, "SessionExpired": 1, "InstrumentsStale": 1, "KillSwitchEngaged": 1}


def test_a_holiday_does_not_emit_ready(load: Callable[..., ModuleType], lake: S3ObjectStore,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    ready_morning(lake)
    handler = load("readiness_check", "vyapari-readiness")
    report = handler.lambda_handler({"at": "2026-01-26T08:45:00+05:30"}, FakeLambdaContext("ready"))
    assert "NotASession" in report["errors"]
    emitted = metrics_of(capsys.readouterr().out)
    assert "ready" not in emitted and emitted["NotASession"] == 1
