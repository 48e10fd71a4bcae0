"""A ``vyapari live`` paper session beside ``vyapari api serve`` (same live state folder), as the
dashboard uses them: its events reach WebSocket subscribers, its orders, positions and trades are what
the API lists, and a manual order through ``POST /orders`` is filled by its simulated exchange."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from tests.integration.api.local_stack import IDLE_STRATEGY, WsClient, live_replay, serve_with_ws, wait_for
from tests.integration.live.live_helpers import write_bar_folder
from tests.unit.api.api_server import add_user

from vyapari.strategy.synthetic import random_walk_panel

pytest.importorskip("websockets")
VWAP = ("vwap_reversion", '{"k": 1.5, "lookback": 10, "notional_inr": 50000}')


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One recorded day of three symbols (minute bars)."""
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=375, seed=11)
    return write_bar_folder(panel, tmp_path_factory.mktemp("day"))


def _users(tmp_path: Path) -> None:
    add_user(tmp_path / "api-state", "vera", "viewer")
    add_user(tmp_path / "api-state", "tara", "trader")


def _all(server: object, path: str, token: str) -> list[dict]:
    items, query = [], f"{path}?mode=paper&limit=200"
    while True:
        status, page = server.call("GET", query, token=token)  # type: ignore[attr-defined]
        assert status == 200, page
        items += page["items"]
        if not page["next_token"]:
            return items
        query = f"{path}?mode=paper&limit=200&next_token={page['next_token']}"


def test_a_paper_replay_reaches_websocket_subscribers_and_is_what_the_api_lists(tmp_path: Path,
                                                                                  day: Path) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    _users(tmp_path)
    with serve_with_ws(tmp_path) as server:
        viewer = server.login("vera")
        for url in (server.ws_url, server.ws_url + "?token=forged.token"):
            with pytest.raises(InvalidStatus) as refused:
                connect(url, open_timeout=20)
            assert refused.value.response.status_code == 401
        client = WsClient(server.ws_url + "?token=" + viewer)
        try:
            bad = client.send({"action": "subscribe", "channel": "fills"})
            assert bad == {"ok": False, "field": "channel", "error": "must be one of quotes, orders, pnl"}
            client.send({"action": "subscribe", "channel": "orders"})
            reply = client.send({"action": "subscribe", "channel": "pnl"})
            assert reply == {"ok": True, "channels": {"orders": [], "pnl": []}}

            session = live_replay(day, server.live_state_dir, *VWAP, speed="max")
            out, err = session.communicate(timeout=300)
            assert session.returncode == 0, err
            _, pnl = client.next(lambda m: m["channel"] == "pnl")
            assert {"at", "equity_inr", "cash_inr", "day_pnl_inr"} <= set(pnl)
            _, fill = client.next(lambda m: m["channel"] == "orders" and m.get("type") == "fill")
            assert fill["price"] and fill["charges"] and fill["instrument_id"].startswith("NSE:SYM")
        finally:
            client.close()

        orders, positions, trades = (_all(server, p, viewer) for p in ("/orders", "/positions", "/trades"))
        fills_log = [json.loads(line) for path in sorted((server.live_state_dir / "fills").glob("*.jsonl"))
                     for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert fills_log, "the replay booked no fill: nothing to compare"
        assert sum(t["quantity"] for t in trades) == sum(int(f["quantity"]) for f in fills_log)
        assert {t["client_order_id"] for t in trades} == {f["client_order_id"] for f in fills_log}
        assert {t["client_order_id"] for t in trades} <= {o["client_order_id"] for o in orders}
        assert all(t["priced"] and t["mode"] == "paper" for t in trades)
        net: dict[str, int] = {}
        for f in fills_log:
            net[f["instrument_id"]] = net.get(f["instrument_id"], 0) + int(f["quantity"]) * (
                1 if f["side"] == "BUY" else -1)
        assert {p["instrument_id"]: p["quantity"] for p in positions} == net
        summary = json.loads(out)
        assert summary["fills"] == len(fills_log)
        assert {p["instrument_id"]: p["quantity"] for p in positions if p["quantity"]} == summary["positions"]


def test_a_manual_order_is_filled_by_the_running_paper_session_and_pushed_within_a_second(
        tmp_path: Path, day: Path) -> None:
    _users(tmp_path)
    (tmp_path / "idle.py").write_text(IDLE_STRATEGY, encoding="utf-8")
    order = {"client_order_id": "dash-manual-01", "mode": "paper", "instrument_id": "NSE:SYM001",
             "side": "BUY", "quantity": 7, "order_type": "MARKET", "product": "CNC"}
    with serve_with_ws(tmp_path) as server:
        trader, viewer = server.login("tara"), server.login("vera")
        status, refused = server.call("POST", "/orders", body=order, token=trader)
        assert status == 409 and "no paper session is running" in refused["message"]
        assert _all(server, "/orders", viewer) == []

        client = WsClient(server.ws_url + "?token=" + viewer)
        session = live_replay(day, server.live_state_dir, f"{tmp_path / 'idle.py'}:Idle", "{}", speed="300")
        try:
            client.send({"action": "subscribe", "channel": "orders"})
            client.send({"action": "subscribe", "channel": "pnl"})
            client.next(lambda m: m["channel"] == "pnl")  # the session is trading its slices
            assert server.call("POST", "/orders", body=order, token=viewer)[0] == 403
            status, intent = server.call("POST", "/orders", body=order, token=trader)
            asked = time.monotonic()
            assert status == 202 and intent["status"] == "PENDING", intent
            arrived, placed = client.next(lambda m: m["channel"] == "orders" and m.get("kind") == "manual")
            assert arrived - asked < 1.0, f"the manual order appeared {arrived - asked:.2f} s after the POST"
            assert placed["instrument_id"] == "NSE:SYM001" and placed["quantity"] == 7
            client.next(lambda m: m["channel"] == "orders" and m.get("type") == "fill"
                        and m["client_order_id"] == placed["client_order_id"])
            filled = wait_for(lambda: [o for o in _all(server, "/orders", viewer)
                                       if o.get("kind") == "manual" and o["filled_quantity"] == 7],
                              what="the manual order's fill in GET /orders")
            assert filled[0]["state"] == "FILLED"
            trades = wait_for(lambda: _all(server, "/trades", viewer), what="its trade in GET /trades")
            booked = [(t["instrument_id"], t["side"], t["quantity"]) for t in trades]
            assert booked == [("NSE:SYM001", "BUY", 7)]
            positions = _all(server, "/positions", viewer)
            assert [(p["instrument_id"], p["quantity"]) for p in positions] == [("NSE:SYM001", 7)]
        finally:
            session.terminate()
            session.communicate(timeout=60)
            client.close()
