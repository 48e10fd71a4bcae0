"""``python -m functions.live_service``: its AWS ports under moto, a replayed day end to end, the
pre-open readiness gate against S3/Secrets Manager/DynamoDB, and the kill switch."""

from __future__ import annotations

import io
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest
from functions.live_service.__main__ import main, parse
from functions.live_service.ports import LiveServiceSettings, build_ports, close_ports
from functions.shared.api_store import DynamoRecordStore
from functions.shared.dynamo_order_store import DynamoDbOrderStateStore
from functions.shared.s3_store import S3ObjectStore
from functions.shared.secrets_manager_store import SecretsManagerSecretsStore
from functions.shared.ws_publisher import WebSocketPublisher
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from moto.core import DEFAULT_ACCOUNT_ID
from tests.integration.aws_live.conftest import REGION, create_keyed_table

from vyapari.api.ports import Identity
from vyapari.api.streams import ConnectionRegistry, Subscription
from vyapari.data import layout
from vyapari.live.ports import EmfMetrics
from vyapari.live.risk import kill_switch_state
from vyapari.live.service import StopFlag
from vyapari.model.intents import IntentState

ENDPOINT = "https://wsapi1234.execute-api.ap-south-1.amazonaws.com/dev"
BUCKET = "vyapari-test-lake"
STRATEGY = ["--strategy", "sma_cross_bar", "--params", '{"fast": 5, "slow": 20, "qty": 10}']
MONDAY_PREOPEN = "2026-01-05T08:45:00+05:30"


@pytest.fixture(autouse=True)
def _keep_signal_handlers() -> Iterator[None]:
    """The live command installs SIGTERM/SIGINT handlers; give pytest its own back."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


@pytest.fixture
def env(order_table: str, task_env: Callable[[dict[str, str]], dict[str, str]]) -> dict[str, str]:
    """The task's environment (as cdk/stacks/live.py sets it) over moto resources."""
    create_keyed_table("vyapari-test-connections")
    boto3.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    values = {
        "ORDER_STATE_TABLE": order_table, "VYAPARI_SECRETS_PREFIX": "vyapari/test/",
        "WS_ENDPOINT_URL": ENDPOINT, "CONNECTIONS_TABLE": "vyapari-test-connections",
        "LAKE_URI": f"s3://{BUCKET}", "POWERTOOLS_METRICS_NAMESPACE": "vyapari",
        "POWERTOOLS_SERVICE_NAME": "vyapari-live", "PAPER_FEES": "zerodha", "PAPER_SLIPPAGE_BPS": "5",
        "EGRESS_IP_URL": "http://127.0.0.1:9/unused",
    }
    return task_env(values)


def _posted(connection_id: str) -> list[dict[str, Any]]:
    """The messages moto's management API received for a connection (it concatenates them)."""
    data = apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID][REGION].connections[connection_id].data
    text, decoder, out, at = data.decode() if isinstance(data, bytes) else data, json.JSONDecoder(), [], 0
    while at < len(text):
        message, at = decoder.raw_decode(text, at)
        out.append(message)
    return out


def _emf(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith('{"_aws"')]


def test_ports_are_built_from_the_task_environment(env: dict[str, str]) -> None:
    stream = io.StringIO()
    ports = build_ports(LiveServiceSettings.from_env(env), metrics_stream=stream)
    try:
        assert isinstance(ports.store, DynamoDbOrderStateStore)
        assert ports.store.table_name == env["ORDER_STATE_TABLE"]
        assert isinstance(ports.secrets, SecretsManagerSecretsStore)
        assert ports.secrets.prefix == "vyapari/test"
        assert isinstance(ports.publisher, WebSocketPublisher) and isinstance(ports.metrics, EmfMetrics)
        ports.store.set_value("probe", "1")
        ports.secrets.put("zerodha/session", {"access_token": "x" * 12})
        ports.metrics.count("orders_total", side="BUY")
        assert DynamoDbOrderStateStore(env["ORDER_STATE_TABLE"]).get_value("probe") == "1"
        assert SecretsManagerSecretsStore("vyapari/test").get("zerodha/session") == {"access_token": "x" * 12}
        record = json.loads(stream.getvalue())
        assert record["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "vyapari"
        assert record["service"] == "vyapari-live" and record["orders_total"] == 1
    finally:
        close_ports(ports)


def test_paper_mode_journals_the_paper_broker_in_the_order_state_table(env: dict[str, str]) -> None:
    """A replaced task must find its simulated orders and fills again: the journal is in DynamoDB."""
    from functions.shared.dynamo_paper_journal import DynamoDbPaperJournal

    from vyapari.brokers.factory import make_broker
    from vyapari.brokers.paper.journal import JournaledPaperBrokerAdapter

    settings = LiveServiceSettings.from_env(env)
    live = build_ports(settings, mode="live", metrics_stream=io.StringIO())
    paper = build_ports(settings, mode="paper", journal_id="run-1", metrics_stream=io.StringIO())
    try:
        assert live.paper_journal is None
        assert isinstance(paper.paper_journal, DynamoDbPaperJournal)
        broker = make_broker({"BROKER": "paper"}, journal=paper.paper_journal)
        assert isinstance(broker, JournaledPaperBrokerAdapter)
        paper.paper_journal.append(['{"probe": 1}'], durable=True)
        assert list(DynamoDbPaperJournal(env["ORDER_STATE_TABLE"], "run-1").read_all()) == ['{"probe": 1}']
    finally:
        close_ports(live)
        close_ports(paper)


@pytest.mark.parametrize("missing", ["ORDER_STATE_TABLE", "VYAPARI_SECRETS_PREFIX"])
def test_a_missing_setting_is_named(env: dict[str, str], missing: str) -> None:
    with pytest.raises(ValueError, match=missing):
        LiveServiceSettings.from_env({k: v for k, v in env.items() if k != missing})


def test_replayed_day_writes_dynamodb_publishes_and_emits_emf(
    env: dict[str, str], day: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    connections = ConnectionRegistry(DynamoRecordStore(env["CONNECTIONS_TABLE"]))
    connections.connect("c1", Identity("u1", ("viewer",)), "2026-01-05T09:00:00+05:30")
    connections.apply("c1", Subscription("subscribe", "orders"))
    code = main(["live", "--broker", "paper", *STRATEGY, "--replay", str(day),
                 "--state-dir", str(tmp_path / "state")])
    out, err = capsys.readouterr()
    assert code == 0, err[-2000:]
    intents = DynamoDbOrderStateStore(env["ORDER_STATE_TABLE"]).intents("sma_cross_bar")
    assert len(intents) > 4 and all(i.state is IntentState.FILLED for i in intents)
    summary = json.loads(out[out.index('{\n'):])
    assert summary["run_id"] == "sma_cross_bar"
    names = {name for r in _emf(out) for m in r["_aws"]["CloudWatchMetrics"] for name in
             [x["Name"] for x in m["Metrics"]] if r["service"] == "vyapari-live"}
    assert {"orders_total", "fills_total", "pnl_inr"} <= names
    posted = _posted("c1")
    assert {m["channel"] for m in posted} == {"orders"}
    assert {m["client_order_id"] for m in posted} == {i.client_order_id for i in intents}
    assert not (tmp_path / "state" / "orders.sqlite").exists()  # the order state lives in DynamoDB
    [log] = sorted((tmp_path / "state" / "fills").glob("*.jsonl"))  # kept in the lake for reconciliation
    kept = S3ObjectStore(BUCKET).get(f"live/fills/sma_cross_bar/{log.name}")
    assert kept == log.read_bytes() and kept.count(b"\n") == summary["fills"] > 0


def test_stream_run_is_refused_when_the_lake_is_not_ready(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["live", "--broker", "paper", *STRATEGY, "--symbols", "INFY", "--state-dir", str(tmp_path),
            "--ready-at", MONDAY_PREOPEN]
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert "not ready: ingestion: no curated NSE daily bars for 2026-01-02 [IngestionMissing]" in err
    assert [r["ready"] for r in _emf(out) if "ready" in r] == [0.0]


def test_a_stream_run_without_symbols_is_refused_before_any_check(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    S3ObjectStore(BUCKET).put(layout.day_key("daily_bars", "NSE", date(2026, 1, 2)), b"parquet")
    argv = ["live", "--broker", "paper", *STRATEGY, "--state-dir", str(tmp_path),
            "--ready-at", MONDAY_PREOPEN]
    assert main(argv) == 2  # the configuration is validated at the edge, before readiness is checked
    out, err = capsys.readouterr()
    assert [r["ready"] for r in _emf(out) if "ready" in r] == []
    assert "symbols: required to stream" in err and "not ready" not in err


def _sigterm_once_running(returned: threading.Event, limit_s: float = 120.0) -> None:
    """Send SIGTERM to this process once the live service has routed SIGTERM to its StopFlag (the
    signal that it runs), never before; give up if the service returned first or after ``limit_s``."""
    deadline = time.monotonic() + limit_s
    while not returned.is_set() and time.monotonic() < deadline:
        if isinstance(getattr(signal.getsignal(signal.SIGTERM), "__self__", None), StopFlag):
            os.kill(os.getpid(), signal.SIGTERM)
            return
        returned.wait(0.01)


def test_a_ready_stream_run_trades_until_sigterm(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    S3ObjectStore(BUCKET).put(layout.day_key("daily_bars", "NSE", date(2026, 1, 2)), b"parquet")
    argv = ["live", "--broker", "paper", *STRATEGY, "--symbols", "INFY", "--state-dir", str(tmp_path),
            "--ready-at", MONDAY_PREOPEN]
    returned = threading.Event()
    stop_task = threading.Thread(target=_sigterm_once_running, args=(returned,), daemon=True)
    stop_task.start()  # ECS stopping the task, once the service's stop flag owns SIGTERM
    try:
        code = main(argv)
    finally:
        returned.set()  # never signal pytest itself if the service returned early
        stop_task.join(5)
    assert code == 0
    out, err = capsys.readouterr()
    assert "not ready" not in err
    summary = json.loads(out[out.index('{\n'):])
    assert summary["stopped_early"] is True and summary["run_id"] == "sma_cross_bar"
    assert 1.0 in [r["ready"] for r in _emf(out) if "ready" in r]


def test_holiday_with_a_fixed_instant_is_not_ready(env: dict[str, str], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["live", "--broker", "paper", *STRATEGY, "--symbols", "INFY", "--state-dir", str(tmp_path),
            "--ready-at", "2026-01-26T08:45:00+05:30"]  # Republic Day
    assert main(argv) == 1
    assert "[NotASession]" in capsys.readouterr().err


def test_kill_switch_through_the_entrypoint_lands_in_dynamodb(env: dict[str, str], tmp_path: Path) -> None:
    assert main(["live", "kill", "--reason", "operator test", "--state-dir", str(tmp_path)]) == 0
    state = kill_switch_state(DynamoDbOrderStateStore(env["ORDER_STATE_TABLE"]))
    assert state is not None and state["reason"] == "operator test"
    assert main(["live", "reset", "--state-dir", str(tmp_path)]) == 0
    assert kill_switch_state(DynamoDbOrderStateStore(env["ORDER_STATE_TABLE"])) is None


def test_only_the_live_command_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(["backtest", "--strategy", "x"], {})
    assert main(["live", "--speed"]) == 2
