"""The Live page on the WebSocket protocol of ``vyapari.api.streams`` (the AWS one): it connects to
``config.json``'s ``ws_url`` with the token in ``?token=``, subscribes to ``quotes``, ``orders`` and
``pnl``, shows each ``pnl`` push per strategy as it arrives and re-reads the tables on an ``orders``
push. The socket's far end is played here (Playwright's WebSocket routes), pushing messages of the
shapes the live service publishes; the page and the REST API behind it are the real ones."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.integration.dashboard.conftest import signed_in
from tests.unit.api.api_server import Server


def test_the_live_page_follows_the_websocket_channels(server: Server, browser: Any) -> None:
    ws_url = server.base.replace("http://", "ws://") + "/ws"
    config = {"auth": "local", "api_url": "", "ws_url": ws_url, "dev_role": None}
    sockets: list[Any] = []
    received: list[dict[str, Any]] = []
    urls: list[str] = []

    def connect(ws: Any) -> None:
        urls.append(ws.url)
        sockets.append(ws)
        ws.on_message(lambda message: received.append(json.loads(message)))

    with signed_in(browser, server, "tara") as tab:
        page = tab.page
        page.route(f"{server.base}/config.json", lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(config)))
        page.route_web_socket(ws_url + "*", connect)
        page.reload()
        page.wait_for_selector("[data-testid=strategies]")
        tab.goto(server.base, "live/paper", "[data-testid=positions]")
        page.wait_for_selector("[data-testid=stream-state]:has-text('live')")
        token = page.evaluate("JSON.parse(sessionStorage.getItem('vyapari.session')).token")
        assert parse_qs(urlsplit(urls[-1]).query)["token"] == [token]
        for _ in range(200):  # the subscriptions are delivered while Playwright pumps its events
            if len([m for m in received if m.get("action") == "subscribe"]) >= 3:
                break
            page.wait_for_timeout(25)
        assert sorted(m["channel"] for m in received if m.get("action") == "subscribe") == [
            "orders", "pnl", "quotes"]
        assert all(m["symbols"] == [] for m in received)  # every symbol of each channel

        socket = sockets[-1]
        for n, pnl in enumerate((0.0, 1250.5, -310.25)):
            socket.send(json.dumps({"channel": "pnl", "strategy": "vwap-paper",
                                    "at": f"2026-12-07T10:0{n}:00+05:30", "equity_inr": 1_000_000 + pnl,
                                    "cash_inr": 900_000, "day_pnl_inr": pnl}))
            page.wait_for_selector(f"[data-testid=pnl]:has-text('10:0{n}:00')")
        assert "vwap-paper: day P&L ₹-310.25" in page.inner_text("[data-testid=pnl]")
        assert "₹-310.25" in page.inner_text("[data-testid=pnl-by-strategy]")
        page.wait_for_selector("[data-testid=pnl-chart] .main-svg")

        with page.expect_response(lambda r: "/orders?mode=paper" in r.url):
            socket.send(json.dumps({"channel": "orders", "client_order_id": "o-1",
                                    "instrument_id": "NSE:TCS", "side": "BUY", "quantity": 5,
                                    "state": "OPEN"}))
        assert tab.errors == []
