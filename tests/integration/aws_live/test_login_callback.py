"""The broker login routes (REST handler, aws backend, moto Secrets Manager and DynamoDB) against the fake
Kite and Upstox servers with the real kiteconnect / upstox clients; and the local backend with the
states ``vyapari login --url`` writes into the API's state folder.

Every callback needs the anti-forgery state issued by ``POST /broker/{broker}/login`` (or the CLI
locally): single-use, 10 minutes, for one broker."""

from __future__ import annotations

import importlib
import json
import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import fake_kite
import fake_upstox
import pytest
from fake_kite import FakeKite
from fake_upstox import FakeUpstox
from functions.shared.login_states import PARTITION
from functions.shared.secrets_manager_store import SecretsManagerSecretsStore
from tests.integration.aws_live.conftest import create_keyed_table
from tests.unit.api.api_events import call, load_api_handler

from vyapari.brokers.login_state import state_key
from vyapari.brokers.session import SessionProvider

PREFIX = "vyapari/test"
STATE_TABLE = "vyapari-test-login-state"
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
           "UPSTOX_REDIRECT_URI": fake_upstox.REDIRECT, "LOGIN_STATE_TABLE": STATE_TABLE}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("VYAPARI_REQUIRE_BROKER_USER_ID", raising=False)
    create_keyed_table(STATE_TABLE)
    set_keys()
    yield importlib.reload(importlib.import_module("functions.api.handler"))
    sys.modules.pop("functions.api.handler", None)


def set_keys(**extra: str) -> None:
    """Write the broker-keys secret as the user would."""
    keys = {"KITE_API_KEY": fake_kite.API_KEY, "KITE_API_SECRET": fake_kite.API_SECRET,
            "UPSTOX_API_KEY": fake_upstox.API_KEY, "UPSTOX_API_SECRET": fake_upstox.API_SECRET, **extra}
    SecretsManagerSecretsStore(PREFIX, max_age_s=0).put("broker-keys", keys)


def state_of(url: str) -> str:
    """The state a login URL carries (Kite: inside ``redirect_params``; Upstox: ``state``)."""
    query = parse_qs(urlparse(url).query)
    if "redirect_params" in query:
        query = parse_qs(query["redirect_params"][0])
    return query["state"][0]


def start(api: ModuleType, broker: str, groups: str = "trader") -> str:
    """``POST /broker/{broker}/login`` as a signed-in trader; the state of the URL it answers."""
    status, body = call(api, "POST", f"/broker/{broker}/login", groups=groups)
    assert status == 200, body
    return state_of(body["login_url"])


def callback(api: ModuleType, broker: str, state: str | None = "start", **query: str) -> tuple[int, Any]:
    """The browser's redirect: a GET without any Cognito claims, by default with a fresh state."""
    if state == "start":
        state = start(api, broker)
    if state is not None:
        query["state"] = state
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
    assert callback(api, "ibkr", None, code="abcdefgh")[0] == 422
    assert stored("zerodha") is None


def test_missing_keys_and_an_unreachable_broker(api: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    only_upstox = {"UPSTOX_API_KEY": fake_upstox.API_KEY}
    state = start(api, "zerodha")
    SecretsManagerSecretsStore(PREFIX, max_age_s=0).put("broker-keys", only_upstox)
    status, body = call(api, "POST", "/broker/zerodha/login", groups="trader")
    assert status == 503 and body["error"] == "login_not_configured" and "KITE_API_KEY" in body["message"]
    status, body = callback(api, "zerodha", state, request_token=fake_kite.REQUEST_TOKEN)
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


def test_the_login_url_carries_a_state_the_callback_accepts_once(api: ModuleType) -> None:
    status, body = call(api, "POST", "/broker/zerodha/login", groups="trader")
    assert status == 200, body
    url = urlparse(body["login_url"])
    assert url.netloc == "kite.zerodha.com" and parse_qs(url.query)["api_key"] == [fake_kite.API_KEY]
    state = state_of(body["login_url"])
    item = boto3.client("dynamodb").get_item(TableName=STATE_TABLE,
                                              Key={"pk": {"S": PARTITION}, "sk": {"S": state_key(state)}})
    assert item["Item"]["broker"]["S"] == "zerodha" and state not in json.dumps(item, default=str)
    assert 590 <= int(item["Item"]["expires_at"]["N"]) - time.time() <= 600
    assert callback(api, "zerodha", state, request_token=fake_kite.REQUEST_TOKEN)[0] == 200
    status, body = callback(api, "zerodha", state, request_token=fake_kite.REQUEST_TOKEN)
    assert status == 403 and body["error"] == "login_state_invalid" and "already used" in body["message"]
    upstox_state = state_of(call(api, "POST", "/broker/upstox/login", groups="admin")[1]["login_url"])
    assert callback(api, "upstox", upstox_state, code=fake_upstox.AUTH_CODE)[0] == 200


@pytest.mark.parametrize(("state", "reason"), [(None, "carries no state"),
                                               ("A" * 43, "no login was started"),
                                               ("expired", "expired"),
                                               ("upstox", "another broker")])
def test_a_redirect_without_a_valid_state_stores_nothing(api: ModuleType, state: str | None,
                                                         reason: str) -> None:
    if state == "expired":  # issued 11 minutes ago
        state = "B" * 43
        boto3.client("dynamodb").put_item(TableName=STATE_TABLE, Item={
            "pk": {"S": PARTITION}, "sk": {"S": state_key(state)}, "broker": {"S": "zerodha"},
            "expires_at": {"N": str(int(time.time()) - 60)}})
    elif state == "upstox":
        state = start(api, "upstox")
    status, body = callback(api, "zerodha", state, request_token=fake_kite.REQUEST_TOKEN, status="success")
    assert status == 403 and body["error"] == "login_state_invalid" and reason in body["message"], body
    assert "vyapari login zerodha --url" in body["message"]
    assert stored("zerodha") is None


def test_only_a_signed_in_trader_starts_a_login(api: ModuleType) -> None:
    assert call(api, "POST", "/broker/zerodha/login", groups="viewer")[0] == 403
    assert call(api, "POST", "/broker/zerodha/login", groups=None)[0] == 403
    assert boto3.client("dynamodb").scan(TableName=STATE_TABLE)["Count"] == 0


def test_prod_requires_the_owner_account(api: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    state = start(api, "zerodha")  # issued before the switch to prod
    monkeypatch.setenv("VYAPARI_REQUIRE_BROKER_USER_ID", "true")
    prod = importlib.reload(api)
    status, body = callback(prod, "zerodha", state, request_token=fake_kite.REQUEST_TOKEN)
    assert status == 503 and "KITE_USER_ID is required" in body["message"]
    status, body = call(prod, "POST", "/broker/zerodha/login", groups="trader")
    assert status == 503 and "KITE_USER_ID is required" in body["message"]
    assert stored("zerodha") is None
    set_keys(KITE_USER_ID="AB1234")
    assert callback(prod, "zerodha", request_token=fake_kite.REQUEST_TOKEN)[0] == 200


def test_local_backend_takes_the_state_of_vyapari_login_url(
    servers: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from vyapari.cli.main import main

    kite_root, _ = servers
    for key, value in {"KITE_API_KEY": fake_kite.API_KEY, "KITE_API_SECRET": fake_kite.API_SECRET,
                       "KITE_API_ROOT": kite_root, "KITE_TIMEOUT_S": "1.0",
                       "VYAPARI_SECRETS_FILE": str(tmp_path / "secrets.json")}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("VYAPARI_REQUIRE_BROKER_USER_ID", raising=False)
    state_dir = tmp_path / "api-state"
    assert main(["login", "zerodha", "--url", "--json", "--state-dir", str(state_dir)]) == 0
    state = state_of(json.loads(capsys.readouterr().out)["login_url"])
    assert state not in (state_dir / "login-states.json").read_text(encoding="utf-8")
    sys.modules.pop("functions.api.handler", None)
    local = load_api_handler(state_dir, tmp_path / "lake")
    try:
        assert callback(local, "zerodha", None, request_token=fake_kite.REQUEST_TOKEN)[0] == 403
        status, body = callback(local, "zerodha", state, request_token=fake_kite.REQUEST_TOKEN)
        assert status == 200 and body["user_id"] == "AB1234", body
        assert callback(local, "zerodha", state, request_token=fake_kite.REQUEST_TOKEN)[0] == 403
        assert "kiteaccess" in (tmp_path / "secrets.json").read_text(encoding="utf-8")
    finally:
        sys.modules.pop("functions.api.handler", None)
