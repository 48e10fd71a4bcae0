"""Pure API logic: roles from Cognito groups, paging tokens, HMAC and Cognito tokens, subscriptions."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from functions.shared.api_auth import CognitoJwtVerifier

from vyapari.api.errors import Forbidden
from vyapari.api.paging import decode_token, encode_token, offset_of
from vyapari.api.ports import Identity, InvalidToken, MemoryRecordStore, StaleConnection
from vyapari.api.roles import Role, parse_groups, require, role_of
from vyapari.api.streams import ConnectionRegistry, Subscription, parse_message
from vyapari.api.tokens import HmacTokenVerifier, issue_token
from vyapari.core.errors import InvalidInput


@pytest.mark.parametrize(("claim", "groups"), [
    ("admin,trader", ["admin", "trader"]), ("[viewer trader]", ["viewer", "trader"]), (["admin"], ["admin"]),
    ("", []), (None, []), (5, [])])
def test_cognito_groups_claims_parse_in_every_form(claim: object, groups: list[str]) -> None:
    assert parse_groups(claim) == groups


def test_the_highest_role_wins_and_lower_roles_are_forbidden() -> None:
    assert role_of(["viewer", "Admin"]) is Role.ADMIN and role_of(["guests"]) is None
    assert require(["trader"], Role.VIEWER) is Role.TRADER
    with pytest.raises(Forbidden, match="admin"):
        require(["trader"], Role.ADMIN)


def test_paging_tokens_round_trip_and_reject_garbage() -> None:
    assert decode_token(encode_token({"after": "k1"})) == {"after": "k1"}
    assert offset_of(None) == 0
    for bad in ("%%%", encode_token({"offset": -1}), base64.urlsafe_b64encode(b"[1]").decode()):
        with pytest.raises(InvalidInput, match="next_token"):
            offset_of(bad)


def test_hmac_tokens_verify_and_expire() -> None:
    verifier = HmacTokenVerifier(b"k", clock=lambda: 1000.0)
    token = issue_token(b"k", "asha", ["trader"], ttl_s=60, now=1000.0)
    assert verifier.verify(token) == Identity("asha", ("trader",))
    for bad in (issue_token(b"other", "asha", []), issue_token(b"k", "asha", [], ttl_s=-1, now=1000.0),
                "", "x.y", token + "x"):
        with pytest.raises(InvalidToken):
            verifier.verify(bad)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _jwt(key: rsa.RSAPrivateKey, claims: dict[str, Any], kid: str = "k1") -> str:
    head = _b64(json.dumps({"kid": kid, "alg": "RS256"}).encode())
    body = _b64(json.dumps(claims).encode())
    signature = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{_b64(signature)}"


def test_cognito_jwts_are_checked_for_signature_issuer_expiry_and_client() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()
    jwks = {"keys": [{"kid": "k1", "kty": "RSA", "alg": "RS256",
                      "n": _b64(numbers.n.to_bytes(256, "big")), "e": _b64(numbers.e.to_bytes(3, "big"))}]}
    verifier = CognitoJwtVerifier("ap-south-1", "ap-south-1_POOL", "client1", jwks=jwks, clock=lambda: 1000.0)
    claims = {"sub": "u1", "iss": verifier.issuer, "exp": 2000, "token_use": "id", "aud": "client1",
              "cognito:groups": ["trader"]}
    assert verifier.verify(_jwt(key, claims)) == Identity("u1", ("trader",))
    access = {**claims, "token_use": "access", "client_id": "client1"}
    del access["aud"]
    assert verifier.verify(_jwt(key, access)).subject == "u1"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for bad in (_jwt(other, claims), _jwt(key, {**claims, "exp": 999}), _jwt(key, {**claims, "aud": "x"}),
                _jwt(key, {**claims, "iss": "https://evil"}), _jwt(key, claims, kid="k2"), "a.b", "a.b.c"):
        with pytest.raises(InvalidToken):
            verifier.verify(bad)


@pytest.mark.parametrize(("body", "field"), [
    ("nope", "body"), ("[]", "body"), ('{"action": "buy", "channel": "quotes"}', "action"),
    ('{"action": "subscribe", "channel": "news"}', "channel"),
    ('{"action": "subscribe", "channel": "quotes", "symbols": "RELIANCE"}', "symbols"),
    ('{"action": "subscribe", "channel": "quotes", "symbols": ["bad sym"]}', "symbols")])
def test_malformed_subscription_messages_name_the_field(body: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_message(body)
    assert info.value.field == field


class Poster:
    """Records posts; ids in ``stale`` raise StaleConnection."""

    def __init__(self, stale: set[str]) -> None:
        self.stale, self.sent = stale, {}  # type: ignore[var-annotated]

    def post(self, connection_id: str, data: bytes) -> None:
        if connection_id in self.stale:
            raise StaleConnection(connection_id)
        self.sent[connection_id] = json.loads(data)


def test_fan_out_follows_symbols_and_drops_stale_connections() -> None:
    registry = ConnectionRegistry(MemoryRecordStore())
    for cid in ("a", "b", "c"):
        registry.connect(cid, Identity(cid, ("viewer",)), "2025-09-30T09:15:00+05:30")
    registry.apply("a", Subscription("subscribe", "quotes", ("RELIANCE",)))
    registry.apply("b", Subscription("subscribe", "quotes"))
    registry.apply("c", Subscription("subscribe", "quotes", ("INFY",)))
    poster = Poster({"b"})
    result = registry.publish(poster, "quotes", {"symbol": "RELIANCE", "ltp": 1380.5})
    assert (result.sent, result.dropped) == (1, 1) and list(poster.sent) == ["a"]
    assert poster.sent["a"] == {"channel": "quotes", "symbol": "RELIANCE", "ltp": 1380.5}
    assert registry.records.get("connection", "b") is None and registry.subscribers("quotes") == ["a", "c"]
    assert registry.apply("c", Subscription("unsubscribe", "quotes")) == {}
    assert registry.subscribers("quotes") == ["a"]
