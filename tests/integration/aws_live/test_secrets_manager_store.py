"""Secrets Manager store (moto): name mapping, create on first put, cache age, no restart, no leaks."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import boto3
import fake_kite
import pytest
from fake_kite import FakeKite
from functions.shared.secrets_manager_store import SecretsManagerSecretsStore

from vyapari.brokers import make_broker
from vyapari.brokers.errors import SessionExpired
from vyapari.brokers.session import BrokerSession, SessionProvider, session_key
from vyapari.brokers.zerodha import kite_config_from_env, kite_login
from vyapari.core.errors import InvalidInput
from vyapari.core.time import IST

PREFIX = "vyapari/test"
TOKEN = "sm-access-TOKEN-0042"


class Clock:
    """Monotonic seconds the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_put_creates_the_secret_under_the_stage_prefix_then_writes_versions(aws: dict[str, Any]) -> None:
    store = SecretsManagerSecretsStore(PREFIX + "/", max_age_s=0)
    assert store.get("zerodha/session") is None
    store.put("zerodha/session", {"access_token": TOKEN, "user_id": "AB1234"})
    store.put("zerodha/session", {"access_token": TOKEN + "-2", "user_id": "AB1234"})
    client = boto3.client("secretsmanager")
    names = [s["Name"] for s in client.list_secrets()["SecretList"]]
    assert names == ["vyapari/test/zerodha/session"]
    assert store.get("zerodha/session") == {"access_token": TOKEN + "-2", "user_id": "AB1234"}
    versions = client.list_secret_version_ids(SecretId="vyapari/test/zerodha/session")["Versions"]
    assert len(versions) == 2


def test_reads_are_reused_for_max_age_then_refreshed(aws: dict[str, Any]) -> None:
    clock = Clock()
    service = SecretsManagerSecretsStore(PREFIX, max_age_s=30, clock=clock)
    login = SecretsManagerSecretsStore(PREFIX, max_age_s=30)  # another process: the login callback
    assert service.get("upstox/session") is None
    login.put("upstox/session", {"access_token": TOKEN})
    clock.now += 29
    assert service.get("upstox/session") is None  # still the cached absence
    clock.now += 2
    assert service.get("upstox/session") == {"access_token": TOKEN}
    service.put("upstox/session", {"access_token": "own-write"})
    assert service.get("upstox/session") == {"access_token": "own-write"}  # own writes are seen at once


def test_session_provider_picks_up_a_token_written_after_its_first_read(aws: dict[str, Any]) -> None:
    clock = Clock()
    now = datetime(2026, 1, 5, 8, 30, tzinfo=IST)
    provider = SessionProvider("zerodha", SecretsManagerSecretsStore(PREFIX, clock=clock), clock=lambda: now)
    with pytest.raises(SessionExpired, match="no access token"):
        provider.current()
    yesterday = BrokerSession.issued("zerodha", "old-token-1234", now - timedelta(days=1))
    SessionProvider("zerodha", SecretsManagerSecretsStore(PREFIX)).save(yesterday)
    clock.now += 31
    with pytest.raises(SessionExpired, match="expired at"):
        provider.current()
    today = BrokerSession.issued("zerodha", TOKEN, now - timedelta(minutes=5), "AB1234")
    SessionProvider("zerodha", SecretsManagerSecretsStore(PREFIX)).save(today)
    clock.now += 31
    assert provider.current() == today


def test_running_kite_adapter_uses_the_token_of_a_later_login(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    kite = FakeKite()
    root = kite.start()
    try:
        env = {"BROKER": "zerodha", "KITE_API_KEY": fake_kite.API_KEY,
               "KITE_API_SECRET": fake_kite.API_SECRET, "KITE_API_ROOT": root, "KITE_TIMEOUT_S": "1.0"}
        service_store = SecretsManagerSecretsStore(PREFIX, max_age_s=0)
        broker = make_broker(env, secrets=service_store)  # the live service, started before the login
        with pytest.raises(SessionExpired):
            broker.orders()
        callback_store = SecretsManagerSecretsStore(PREFIX)
        provider = SessionProvider("zerodha", callback_store)
        kite_login(kite_config_from_env(env), fake_kite.REQUEST_TOKEN, provider)
        assert broker.orders() == []  # same adapter object, no restart
    finally:
        kite.stop()


def test_values_never_reach_logs_or_errors(aws: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = SecretsManagerSecretsStore(PREFIX, max_age_s=0)
    store.put(session_key("upstox"), {"access_token": TOKEN})
    assert store.get(session_key("upstox")) == {"access_token": TOKEN}
    boto3.client("secretsmanager").create_secret(Name=f"{PREFIX}/broken", SecretString=f"raw {TOKEN}")
    with pytest.raises(InvalidInput) as info:
        store.get("broken")
    assert "vyapari/test/broken" in str(info.value)
    assert caplog.records, "botocore logs at DEBUG; the body loggers must stay quiet"
    assert TOKEN not in caplog.text and TOKEN not in str(info.value)


@pytest.mark.parametrize("name", ["", "../keys", "/abs", "bad name", "x" * 201])
def test_bad_names_are_refused(aws: dict[str, Any], name: str) -> None:
    with pytest.raises(InvalidInput, match="secret name"):
        SecretsManagerSecretsStore(PREFIX).secret_id(name)
