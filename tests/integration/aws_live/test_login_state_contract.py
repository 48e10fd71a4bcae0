"""The login-state stores (a JSON file locally, DynamoDB under moto in AWS) honour one contract:
a state is accepted once, for its broker, before it expires; and only its hash is stored."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from functions.shared.login_states import DynamoLoginStates
from tests.integration.aws_live.conftest import create_keyed_table

from vyapari.brokers.login_state import (
    STATE_TTL_S,
    FileLoginStates,
    LoginStateRejected,
    LoginStates,
    new_state,
)

NOW = 1_767_600_000.0  # 2026-01-05 13:30 IST in epoch seconds


@pytest.fixture(params=["file", "dynamodb"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], LoginStates]:
    """A factory of stores sharing one backing store (two instances = two processes)."""
    if request.param == "file":
        return lambda: FileLoginStates(tmp_path / "state")
    aws = request.getfixturevalue("aws")
    assert aws["region"]
    create_keyed_table("vyapari-test-login-state")
    return lambda: DynamoLoginStates("vyapari-test-login-state")


def reason(store: LoginStates, broker: str, state: str | None, now: float) -> str | None:
    try:
        store.consume(broker, state, now)
    except LoginStateRejected as exc:
        assert exc.broker == broker and f"vyapari login {broker} --url" in str(exc)
        return exc.reason
    return None


def test_a_state_is_accepted_once_by_another_instance(make_store: Callable[[], LoginStates]) -> None:
    state = make_store().issue("zerodha", NOW)
    assert len(state) >= 43 and state != make_store().issue("zerodha", NOW)
    other = make_store()
    assert reason(other, "zerodha", state, NOW + 1) is None
    assert reason(other, "zerodha", state, NOW + 2) == "used"
    assert reason(make_store(), "zerodha", state, NOW + 3) == "used"


def test_missing_unknown_expired_and_other_broker_are_refused(make_store: Callable[[], LoginStates]) -> None:
    store = make_store()
    assert reason(store, "zerodha", None, NOW) == "missing"
    assert reason(store, "zerodha", "", NOW) == "missing"
    assert reason(store, "zerodha", new_state(), NOW) == "unknown"
    old = store.issue("zerodha", NOW)
    assert reason(store, "zerodha", old, NOW + STATE_TTL_S) == "expired"
    assert reason(store, "zerodha", old, NOW + 1) == "used"  # tried once: gone even if refused
    upstox = store.issue("upstox", NOW)
    assert reason(store, "zerodha", upstox, NOW + 1) == "other broker"
    last_second = store.issue("upstox", NOW)
    assert reason(store, "upstox", last_second, NOW + STATE_TTL_S - 1) is None


def test_racing_callbacks_with_one_state_let_one_through(tmp_path: Path) -> None:
    """The file store's lock (DynamoDB's conditional update is atomic in AWS, not in moto's threads)."""
    state = FileLoginStates(tmp_path).issue("upstox", NOW)
    outcomes: list[str | None] = []
    stores = [FileLoginStates(tmp_path) for _ in range(4)]

    def consume(store: LoginStates) -> None:
        outcomes.append(reason(store, "upstox", state, NOW + 1))

    threads = [threading.Thread(target=consume, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [None, "used", "used", "used"]


def test_only_the_hash_is_stored(make_store: Callable[[], LoginStates], tmp_path: Path) -> None:
    store = make_store()
    state = store.issue("zerodha", NOW)
    if isinstance(store, FileLoginStates):
        text = store.path.read_text(encoding="utf-8")
        assert (store.path.stat().st_mode & 0o777) == 0o600
    else:
        items: Any = boto3.client("dynamodb").scan(TableName="vyapari-test-login-state")["Items"]
        assert items[0]["expires_at"]["N"] == str(int(NOW + STATE_TTL_S))  # the table's TTL attribute
        text = json.dumps(items)
    assert state not in text and "zerodha" in text
