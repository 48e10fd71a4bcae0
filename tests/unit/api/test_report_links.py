"""Signed tear-sheet links of the local gateway (:mod:`vyapari.api.report_links`): a link opens one
run's report for its user until it expires, is refused for another path, user or expiry, never works
as a bearer token, and under ``--insecure-dev-role`` works for the dev caller it was given to."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from vyapari.api.gateway import GatewayConfig, LocalGateway
from vyapari.api.ports import InvalidToken
from vyapari.api.report_links import LocalReportLinks, sign_link, verify_link
from vyapari.api.roles import Role
from vyapari.api.users import UserFile

SECRET = b"link-test-secret"
PATH = "/strategy-runs/run-1/report"


def _handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda's place: answers the claims API Gateway would hand it."""
    claims = (event["requestContext"].get("authorizer") or {}).get("claims")
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(claims)}


def _get(gateway: LocalGateway, path: str, query: str = "", token: str | None = None) -> tuple[str, Any]:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "CONTENT_LENGTH": "0",
               "wsgi.input": io.BytesIO()}
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    status: list[str] = []
    body = b"".join(gateway(environ, lambda s, h, *a: status.append(s)))
    return status[0], json.loads(body)


@pytest.fixture
def users(tmp_path: Path) -> UserFile:
    users = UserFile(tmp_path / "users.json")
    users.add("vera", Role.VIEWER, "a long password 1")
    return users


def test_a_link_opens_its_report_for_its_user_until_it_expires(users: UserFile) -> None:
    gateway = LocalGateway(_handler, GatewayConfig(users, SECRET))
    link = LocalReportLinks(SECRET).link("runs/run-1/i/report.html", "run-1", "vera")
    path, query = link.url.split("?")
    assert path == PATH and time.time() < link.expires_at <= time.time() + 120
    status, claims = _get(gateway, path, query)
    assert status.startswith("200") and claims["cognito:username"] == "vera"
    assert claims["cognito:groups"] == "viewer"
    assert _get(gateway, "/strategy-runs/run-2/report", query)[0].startswith("401")  # another run
    fields = {k: v[-1] for k, v in parse_qs(query).items()}
    later = str(int(fields["expires"]) + 60)
    for name, value in (("user", "ada"), ("expires", later), ("signature", "0" * 64)):
        tampered = "&".join(f"{k}={value if k == name else v}" for k, v in fields.items())
        assert _get(gateway, path, tampered)[0].startswith("401"), name
    stale, _ = sign_link(SECRET, PATH, "vera", now=time.time() - 121)
    assert _get(gateway, path, stale)[0].startswith("401")
    users.remove("vera")  # removing the user revokes their links at once
    assert _get(gateway, path, query)[0].startswith("401")


def test_a_link_is_no_token_and_a_token_is_no_link(users: UserFile) -> None:
    gateway = LocalGateway(_handler, GatewayConfig(users, SECRET))
    query, _ = sign_link(SECRET, PATH, "vera")
    assert _get(gateway, "/overview", query)[0].startswith("401")  # only the report route takes a link
    assert _get(gateway, PATH, token=query)[0].startswith("401")
    with pytest.raises(InvalidToken, match="malformed link"):
        verify_link(SECRET, PATH, {"user": "vera", "expires": "x", "signature": "y"})


def test_under_the_dev_role_the_dev_caller_s_link_works(users: UserFile) -> None:
    gateway = LocalGateway(_handler, GatewayConfig(users, SECRET, dev_role=Role.VIEWER))
    query, _ = sign_link(SECRET, PATH, "insecure-dev")
    status, claims = _get(gateway, PATH, query)
    assert status.startswith("200") and claims["cognito:groups"] == "viewer"
    forged = query.replace("signature=", "signature=0")
    assert _get(gateway, PATH, forged)[0].startswith("401")  # a bad link is refused, not the dev role
