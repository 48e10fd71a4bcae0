"""WebSocket handlers under moto: Cognito-token $connect, subscribe on $default, fan-out, stale drop.

moto's ``post_to_connection`` accepts any connection id and never answers ``GoneException``; the stale
case wraps the moto client so that chosen ids raise a real ``GoneException`` ``ClientError``.
"""

from __future__ import annotations

import base64
import copy
import importlib
import json
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from functions.shared.api_auth import CognitoJwtVerifier
from functions.shared.api_store import ApiGatewayPoster
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from moto.core import DEFAULT_ACCOUNT_ID
from tests.unit.api.api_events import FakeContext, load_event

ENDPOINT = "https://wsapi1234.execute-api.ap-south-1.amazonaws.com/prod"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _token(groups: list[str], exp: int = 4_000_000_000) -> str:
    head = _b64(json.dumps({"kid": "k1", "alg": "RS256"}).encode())
    claims = {"sub": "u1", "iss": "https://cognito-idp.ap-south-1.amazonaws.com/ap-south-1_POOL", "exp": exp,
              "token_use": "id", "aud": "client1", "cognito:groups": groups}
    body = _b64(json.dumps(claims).encode())
    return f"{head}.{body}.{_b64(KEY.sign(f'{head}.{body}'.encode(), padding.PKCS1v15(), hashes.SHA256()))}"


def _jwks() -> dict[str, Any]:
    numbers = KEY.public_key().public_numbers()
    return {"keys": [{"kid": "k1", "kty": "RSA", "n": _b64(numbers.n.to_bytes(256, "big")),
                      "e": _b64(numbers.e.to_bytes(3, "big"))}]}


@pytest.fixture
def ws(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, ModuleType]:
    """The four WebSocket handlers, (re)imported inside moto with the Cognito verifier's keys."""
    for key, value in {"COGNITO_USER_POOL_ID": "ap-south-1_POOL", "COGNITO_APP_CLIENT_ID": "client1",
                       "WS_ENDPOINT_URL": ENDPOINT}.items():
        monkeypatch.setenv(key, value)
    modules = {name: importlib.reload(importlib.import_module(f"functions.{name}.handler"))
               for name in ("ws_connect", "ws_disconnect", "ws_default", "ws_publish")}
    monkeypatch.setattr(modules["ws_connect"], "VERIFIER", CognitoJwtVerifier(
        "ap-south-1", "ap-south-1_POOL", "client1", jwks=_jwks()))
    return modules


def _event(name: str, connection_id: str, **changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(load_event(name))
    event["requestContext"]["connectionId"] = connection_id
    event.update(changes)
    return event


def _connect(ws: dict[str, ModuleType], connection_id: str, token: str) -> int:
    event = _event("ws_connect", connection_id, queryStringParameters={"token": token},
                   multiValueQueryStringParameters={"token": [token]})
    return int(ws["ws_connect"].lambda_handler(event, FakeContext())["statusCode"])


def _subscribe(ws: dict[str, ModuleType], connection_id: str, message: dict[str, Any]) -> dict[str, Any]:
    response = ws["ws_default"].lambda_handler(_event("ws_default", connection_id, body=json.dumps(message)),
                                               FakeContext())
    return {"status": response["statusCode"], **json.loads(response["body"])}


def test_connect_needs_a_valid_cognito_token_with_a_role(ws: dict[str, ModuleType]) -> None:
    assert _connect(ws, "c1", _token(["viewer"])) == 200
    assert _connect(ws, "c2", "not-a-token") == 401
    assert _connect(ws, "c3", _token(["viewer"], exp=1)) == 401
    assert _connect(ws, "c4", _token(["guests"])) == 403
    table = boto3.resource("dynamodb").Table("vyapari-connections")
    assert [i["sk"] for i in table.scan()["Items"]] == ["c1"]


def test_subscribe_publish_and_disconnect(ws: dict[str, ModuleType]) -> None:
    for cid in ("c1", "c2"):
        assert _connect(ws, cid, _token(["trader"])) == 200
    reply = _subscribe(ws, "c1", {"action": "subscribe", "channel": "quotes", "symbols": ["RELIANCE"]})
    assert reply == {"status": 200, "ok": True, "channels": {"quotes": ["RELIANCE"]}}
    assert _subscribe(ws, "c2", {"action": "subscribe", "channel": "pnl"})["ok"]
    bad = _subscribe(ws, "c2", {"action": "subscribe", "channel": "news"})
    assert bad["status"] == 400 and bad["field"] == "channel"

    quote: dict[str, Any] = {"channel": "quotes", "message": {"symbol": "RELIANCE", "ltp": 1380.5}}
    out = ws["ws_publish"].lambda_handler(quote, FakeContext())
    assert out == {"sent": 1, "dropped": 0}
    backend = apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID]["ap-south-1"]
    assert json.loads(backend.connections["c1"].data) == {"channel": "quotes", **quote["message"]}
    assert "c2" not in backend.connections

    ws["ws_disconnect"].lambda_handler(_event("ws_disconnect", "c1"), FakeContext())
    event = {"detail-type": "quote", "detail": {"channel": "quotes", "message": {"symbol": "RELIANCE"}}}
    assert ws["ws_publish"].lambda_handler(event, FakeContext()) == {"sent": 0, "dropped": 0}


class GoneFor:
    """The moto management-API client, except that ids in ``stale`` answer GoneException."""

    def __init__(self, client: Any, stale: set[str]) -> None:
        self.client, self.stale = client, stale

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> Any:  # noqa: N803 (boto3 names)
        if ConnectionId in self.stale:
            raise ClientError({"Error": {"Code": "GoneException", "Message": "gone"}}, "PostToConnection")
        return self.client.post_to_connection(ConnectionId=ConnectionId, Data=Data)


def test_stale_connections_are_dropped_on_gone(ws: dict[str, ModuleType],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for cid in ("live1", "gone1"):
        _connect(ws, cid, _token(["viewer"]))
        _subscribe(ws, cid, {"action": "subscribe", "channel": "orders"})
    client = boto3.client("apigatewaymanagementapi", endpoint_url=ENDPOINT)
    poster = ApiGatewayPoster(ENDPOINT, client=GoneFor(client, {"gone1"}))
    monkeypatch.setattr(ws["ws_publish"], "POSTER", poster)
    event = {"channel": "orders", "message": {"status": "FILLED"}}
    out = ws["ws_publish"].lambda_handler(event, FakeContext())
    assert out == {"sent": 1, "dropped": 1}
    table = boto3.resource("dynamodb").Table("vyapari-connections")
    assert not [i for i in table.scan()["Items"] if "gone1" in (i["pk"], i["sk"])]
