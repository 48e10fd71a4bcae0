"""The dashboard's Cognito sign-in (what it does in AWS) in headless Chromium: with ``"auth": "cognito"``
in ``config.json`` it sends the browser to the hosted UI's ``/oauth2/authorize`` with the code flow and
a S256 PKCE challenge, and back with ``?code=&state=`` it exchanges the code at ``/oauth2/token`` with
the verifier that hashes to that challenge, then calls the API with the ID token.

Cognito is a third-party service: its two endpoints are answered here (Playwright routes); the ID token
handed back is a real token of the local API, so the signed-in page is the real one. The page's CSP is
bypassed for this test: locally ``connect-src`` is ``'self'``; in AWS it must name the Cognito domain.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.integration.dashboard.conftest import LAPTOP
from tests.unit.api.api_server import Server

DOMAIN = "auth.example.test"
CLIENT = "dashboard-client"


def test_cognito_sign_in_uses_the_code_flow_with_pkce(server: Server, browser: Any) -> None:
    base = server.base
    config = {"auth": "cognito", "api_url": "", "ws_url": None,
              "cognito": {"domain": DOMAIN, "client_id": CLIENT, "redirect_uri": base + "/"}}
    id_token = server.login("vera")
    seen: dict[str, Any] = {}
    errors: list[str] = []

    def authorize(route: Any) -> None:
        query = {k: v[-1] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        seen["authorize"] = query
        route.fulfill(status=302, headers={"Location": f"{base}/?code=code-123&state={query['state']}"})

    def token(route: Any) -> None:
        seen["token"] = {k: v[-1] for k, v in parse_qs(route.request.post_data or "").items()}
        route.fulfill(status=200, content_type="application/json",
                      headers={"Access-Control-Allow-Origin": base},
                      body=json.dumps({"id_token": id_token, "access_token": "unused", "expires_in": 3600,
                                       "token_type": "Bearer"}))

    context = browser.new_context(viewport=LAPTOP, bypass_csp=True)
    try:
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.route(f"{base}/config.json", lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(config)))
        page.route(f"https://{DOMAIN}/oauth2/authorize*", authorize)
        page.route(f"https://{DOMAIN}/oauth2/token", token)
        page.goto(base + "/")
        page.wait_for_selector("[data-testid=strategies]", timeout=30_000)
        assert page.inner_text("[data-testid=who]") == "vera (viewer)"
        assert "code=" not in page.url  # the code is removed from the address bar
    finally:
        context.close()

    asked = seen["authorize"]
    assert {k: asked[k] for k in ("response_type", "client_id", "redirect_uri", "code_challenge_method")} == {
        "response_type": "code", "client_id": CLIENT, "redirect_uri": base + "/",
        "code_challenge_method": "S256"}
    exchange = seen["token"]
    assert {k: exchange[k] for k in ("grant_type", "client_id", "code", "redirect_uri")} == {
        "grant_type": "authorization_code", "client_id": CLIENT, "code": "code-123",
        "redirect_uri": base + "/"}
    digest = hashlib.sha256(exchange["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == asked["code_challenge"]
    assert 43 <= len(exchange["code_verifier"]) <= 128
    assert errors == []
