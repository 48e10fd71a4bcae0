"""The local WebSocket server (real sockets, the websockets client) and the local run records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vyapari.api.local_live import LIVE_DB, EventLog, LiveDatabase
from vyapari.api.local_runs import PREFIX, LocalRunStarter
from vyapari.api.ports import MemoryRecordStore
from vyapari.api.roles import Role
from vyapari.api.tokens import HmacTokenVerifier, issue_token
from vyapari.api.users import UserFile

pytest.importorskip("websockets")
SECRET = b"s" * 32


@pytest.fixture
def users(tmp_path: Path) -> UserFile:
    users = UserFile(tmp_path / "users.json")
    users.ensure()
    users.add("vera", Role.VIEWER, "correct horse battery")
    return users


@pytest.fixture
def server(tmp_path: Path, users: UserFile) -> Iterator[Any]:
    from vyapari.api.local_ws import LocalWebSocketServer

    ws = LocalWebSocketServer("127.0.0.1", 0, HmacTokenVerifier(SECRET), tmp_path / "live" / LIVE_DB,
                              users=users, poll_s=0.02)
    ws.start()
    try:
        yield ws
    finally:
        ws.stop()


def _status(url: str) -> int:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    try:
        with connect(url, open_timeout=10):
            return 101
    except InvalidStatus as refused:
        return int(refused.response.status_code)


def test_tokens_of_removed_users_and_users_without_a_role_are_refused(tmp_path: Path, server: Any,
                                                                      users: UserFile) -> None:
    from vyapari.api.local_ws import LocalWebSocketServer

    url = f"ws://127.0.0.1:{server.port}/?token="
    assert _status(url + issue_token(SECRET, "vera", ["viewer"])) == 101
    assert _status(url + issue_token(b"x" * 32, "vera", ["viewer"])) == 401
    assert _status(url + issue_token(SECRET, "vera", ["viewer"], ttl_s=-1)) == 401
    assert _status(url) == 401
    users.remove("vera")
    assert _status(url + issue_token(SECRET, "vera", ["viewer"])) == 401
    open_server = LocalWebSocketServer("127.0.0.1", 0, HmacTokenVerifier(SECRET), tmp_path / LIVE_DB,
                                       dev_role=Role.VIEWER)
    port = open_server.start()
    try:
        assert _status(f"ws://127.0.0.1:{port}/?token=" + issue_token(SECRET, "x", ["nobody"])) == 403
        assert _status(f"ws://127.0.0.1:{port}/") == 101  # --insecure-dev-role
    finally:
        open_server.stop()


def test_logged_events_reach_the_subscribers_of_their_channel_and_symbol(tmp_path: Path, server: Any) -> None:
    from websockets.sync.client import connect

    token = issue_token(SECRET, "vera", ["viewer"])
    with connect(f"ws://127.0.0.1:{server.port}/?token={token}", open_timeout=10) as everything, \
            connect(f"ws://127.0.0.1:{server.port}/?token={token}", open_timeout=10) as one_symbol:
        everything.send(json.dumps({"action": "subscribe", "channel": "quotes"}))
        assert json.loads(everything.recv(timeout=10)) == {"ok": True, "channels": {"quotes": []}}
        one_symbol.send(json.dumps({"action": "subscribe", "channel": "quotes", "symbols": ["TCS"]}))
        assert json.loads(one_symbol.recv(timeout=10))["channels"] == {"quotes": ["TCS"]}
        one_symbol.send("not json")
        assert json.loads(one_symbol.recv(timeout=10)) == {"ok": False, "field": "body",
                                                           "error": "not a JSON object"}
        log = EventLog(LiveDatabase(tmp_path / "live" / LIVE_DB))  # the session's log appears later
        log.publish("pnl", {"equity_inr": 1.0})
        log.publish("quotes", {"symbol": "INFY", "ltp": 1500.5})
        log.publish("quotes", {"symbol": "TCS", "ltp": 3100.0})
        first = json.loads(everything.recv(timeout=10))
        assert first == {"channel": "quotes", "symbol": "INFY", "ltp": 1500.5}
        assert json.loads(everything.recv(timeout=10))["symbol"] == "TCS"
        only = json.loads(one_symbol.recv(timeout=10))
        assert only == {"channel": "quotes", "symbol": "TCS", "ltp": 3100.0}


def test_run_statuses_only_move_forward_and_abandoned_runs_fail(tmp_path: Path) -> None:
    records = MemoryRecordStore()
    base = {"strategy_name": "sma", "created_at": "2026-12-07T10:00:00+05:30"}
    records.put("run", "run-a", {**base, "run_id": "run-a", "status": "RUNNING",
                                 "execution_arn": PREFIX + "run-a-1"})
    records.put("run", "run-b", {**base, "run_id": "run-b", "status": "CREATED"})
    starter = LocalRunStarter(records, tmp_path)
    abandoned = records.get("run", "run-a") or {}
    assert abandoned["status"] == "FAILED" and "stopped before the run finished" in abandoned["error"]
    starter.update("run-b", status="RUNNING", progress=0.5)
    starter.update("run-b", status="STARTED")
    assert (records.get("run", "run-b") or {})["status"] == "RUNNING"
    starter.update("run-b", status="SUCCEEDED", progress=1.0)
    starter.update("run-b", progress=0.9)
    assert {k: (records.get("run", "run-b") or {})[k] for k in ("status", "progress")} == {
        "status": "SUCCEEDED", "progress": 1.0}
