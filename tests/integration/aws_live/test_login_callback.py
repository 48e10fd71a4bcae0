"""The login callback route (REST handler, aws backend, moto Secrets Manager) against the fake Kite
and Upstox servers with the real kiteconnect / upstox clients."""

from __future__ import annotations

import importlib
import json
import logging
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import fake_kite
import fake_upstox
import pytest
from fake_kite import FakeKite
from fake_upstox import FakeUpstox
from functions.shared.secrets_manager_store import SecretsManagerSecretsStore
from tests.unit.api.api_events import call

from vyapari.brokers.session import SessionProvider

PREFIX = "vyapari/test"
SECRETS = [fake_kite.API_SECRET, fake_kite.REQUEST_TOKEN, fake_kite.ACCESS_TOKEN, fake_upstox.API_SECRET,
           fake_upstox.AUTH_CODE, fake_upstox.ACCESS_TOKEN]


@pytest.fixture
def servers() -> Iterator[tuple[str, str]]:
    kite, upstox = FakeKite(), FakeUpstox()
    roots = kite.start(), upstox.start()
    yield roots
    kite.stop()
    upstox.stop()


@pytest.fixture
def api(
    aws: dict[str, Any], servers: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[ModuleType]:
    """The REST handler with the aws backend; broker keys in Secrets Manager, hosts in the environment.

    Dropped from ``sys.modules`` afterwards: a later test in this worker that imports the handler
    (the API fuzz test serves it locally) must build its own, local-backend services.
    """
    kite_root, upstox_root = servers
    env = {"VYAPARI_API_BACKEND": "aws", "LAKE_URI": "s3://vyapari-test-lake",
           "BACKTEST_STATE_MACHINE_ARN": "arn:aws:states:ap-south-1:123456789012:stateMachine:bt",
           **{k: f"vyapari-test-{k.split('_')[0].lower()}" for k in
              ("REGISTRY_TABLE", "ORDERS_TABLE", "POSITIONS_TABLE", "TRADES_TABLE", "CONNECTIONS_TABLE")},
           "VYAPARI_SECRETS_PREFIX": PREFIX, "KITE_API_ROOT": kite_root, "KITE_TIMEOUT_S": "1.0",
           "UPSTOX_API_HOST": upstox_root, "UPSTOX_TIMEOUT_S": "1.0",
           "UPSTOX_REDIRECT_URI": fake_upstox.REDIRECT}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    set_keys()
    yield importlib.reload(importlib.import_module("functions.api.handler"))
    sys.modules.pop("functions.api.handler", None)


def set_keys(**extra: str) -> None:
    """Write the broker-keys secret as the user would."""
    keys = {"KITE_API_KEY": fake_kite.API_KEY, "KITE_API_SECRET": fake_kite.API_SECRET,
            "UPSTOX_API_KEY": fake_upstox.API_KEY, "UPSTOX_API_SECRET": fake_upstox.API_SECRET, **extra}
    SecretsManagerSecretsStore(PREFIX, max_age_s=0).put("broker-keys", keys)


def callback(api: ModuleType, broker: str, **query: str) -> tuple[int, Any]:
    """The browser's redirect: a GET without any Cognito claims."""
    return call(api, "GET", f"/broker/{broker}/callback", query=query, groups=None)


def stored(broker: str) -> dict[str, str] | None:
    value = SecretsManagerSecretsStore(PREFIX, max_age_s=0).get(f"{broker}/session")
    return dict(value) if value is not None else None


def test_kite_redirect_stores_the_session_the_service_then_reads(api: ModuleType) -> None:
    service = SessionProvider("zerodha", SecretsManagerSecretsStore(PREFIX, max_age_s=0))
    status, body = callback(api, "zerodha", request_token=fake_kite.REQUEST_TOKEN, action="login",
                            status="success")
    assert status == 200, body
    assert body["broker"] == "zerodha" and body["user_id"] == "AB1234"
    assert body["valid_until"].endswith("06:00:00+05:30")
    assert service.current().access_token == fake_kite.ACCESS_TOKEN
    names = [s["Name"] for s in boto3.client("secretsmanager").list_secrets()["SecretList"]]
    assert f"{PREFIX}/zerodha/session" in names


def test_upstox_redirect_stores_the_session(api: ModuleType) -> None:
    status, body = callback(api, "upstox", code=fake_upstox.AUTH_CODE)
    assert status == 200, body
    assert body["valid_until"].endswith("03:30:00+05:30")
    assert (stored("upstox") or {})["access_token"] == fake_upstox.ACCESS_TOKEN


@pytest.mark.parametrize(("broker", "query"), [("zerodha", {"request_token": "reqtoken-WRONG-99"}),
                                                ("upstox", {"code": "authcode-WRONG-99"})])
def test_a_refused_token_is_401_and_stores_nothing(api: ModuleType, broker: str,
                                                   query: dict[str, str]) -> None:
    status, body = callback(api, broker, **query)
    assert status == 401 and body["error"] == "login_failed"
    assert "WRONG" not in json.dumps(body) and stored(broker) is None


def test_a_session_of_another_account_is_refused(api: ModuleType) -> None:
    set_keys(KITE_USER_ID="ZZ9999")
    status, body = callback(api, "zerodha", request_token=fake_kite.REQUEST_TOKEN)
    assert status == 401 and "another account" in body["message"]
    assert stored("zerodha") is None
    set_keys(KITE_USER_ID="AB1234")
    assert callback(api, "zerodha", request_token=fake_kite.REQUEST_TOKEN)[0] == 200


def test_redirect_problems_are_named(api: ModuleType) -> None:
    status, body = callback(api, "zerodha", status="success")
    assert status == 422 and body["fields"][0]["field"] == "request_token"
    status, body = callback(api, "zerodha", request_token=fake_kite.REQUEST_TOKEN, status="cancelled")
    assert status == 400 and "did not succeed" in body["message"]
    status, body = callback(api, "zerodha", request_token="bad token!")
    assert status == 422 and "bad token" not in json.dumps(body)
    assert callback(api, "ibkr", code="abcdefgh")[0] == 422
    assert stored("zerodha") is None


def test_missing_keys_and_an_unreachable_broker(api: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    only_upstox = {"UPSTOX_API_KEY": fake_upstox.API_KEY}
    SecretsManagerSecretsStore(PREFIX, max_age_s=0).put("broker-keys", only_upstox)
    status, body = callback(api, "zerodha", request_token=fake_kite.REQUEST_TOKEN)
    assert status == 503 and body["error"] == "login_not_configured" and "KITE_API_KEY" in body["message"]
    set_keys()
    monkeypatch.setenv("KITE_API_ROOT", "http://127.0.0.1:9")  # nothing listens on the discard port
    reloaded = importlib.reload(api)
    status, body = callback(reloaded, "zerodha", request_token=fake_kite.REQUEST_TOKEN)
    assert status == 502 and body["error"] == "broker_unavailable"


def test_no_credential_reaches_logs_or_answers(api: ModuleType, caplog: pytest.LogCaptureFixture,
                                               capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    answers = [callback(api, "zerodha", request_token=fake_kite.REQUEST_TOKEN),
               callback(api, "upstox", code=fake_upstox.AUTH_CODE),
               callback(api, "upstox", code="authcode-WRONG-42")]
    assert [a[0] for a in answers] == [200, 200, 401]
    out, err = capfd.readouterr()
    everything = "\n".join([caplog.text, out, err, json.dumps([a[1] for a in answers])])
    for secret in SECRETS:
        assert secret not in everything, secret


def test_the_callback_is_not_in_the_openapi_document(api: ModuleType) -> None:
    status, document = call(api, "GET", "/openapi.json")
    assert status == 200 and not any(p.startswith("/broker") for p in document["paths"])
