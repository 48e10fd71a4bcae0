"""The one text form of an intent (``vyapari.live.store``): typed in, typed out, bad rows named."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from vyapari.core.errors import InvalidInput
from vyapari.core.time import IST
from vyapari.live.store import SqliteOrderStateStore, intent_from_json, intent_to_json
from vyapari.model.enums import Side
from vyapari.model.intents import IntentKind, OrderIntent

INTENT = OrderIntent("c1", "run", "NSE:INFY", Side.BUY, 10, kind=IntentKind.MANUAL,
                     decided_at=datetime(2026, 1, 5, 9, 16, tzinfo=IST), session_date=date(2026, 1, 5))


def test_the_text_holds_iso_instants_and_the_kind_value() -> None:
    data = json.loads(intent_to_json(INTENT))
    texts = (data["decided_at"], data["session_date"], data["kind"])
    assert texts == ("2026-01-05T09:16:00+05:30", "2026-01-05", "manual")
    back = intent_from_json(intent_to_json(INTENT))
    assert back == INTENT and back.kind is IntentKind.MANUAL and back.session_date == date(2026, 1, 5)


def test_an_intent_without_instants_round_trips_as_none() -> None:
    bare = INTENT.evolve(decided_at=None, session_date=None, kind=IntentKind.ADOPTED)
    assert json.loads(intent_to_json(bare))["decided_at"] == ""
    assert intent_from_json(intent_to_json(bare)) == bare


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("decided_at", "2026-01-05T09:16:00", "no UTC offset"),
        ("decided_at", "at nine", "malformed"),
        ("session_date", "05/01/2026", "malformed"),
        ("kind", "robot", "robot"),
        ("state", "LOST", "LOST"),
    ],
)
def test_a_malformed_stored_intent_is_refused_naming_it(field: str, value: str, named: str) -> None:
    data = json.loads(intent_to_json(INTENT))
    data[field] = value
    with pytest.raises(InvalidInput, match=named) as caught:
        intent_from_json(json.dumps(data))
    assert "c1" in str(caught.value)


def test_a_sqlite_store_reads_back_what_it_wrote_typed(tmp_path: Path) -> None:
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    store.put(INTENT)
    store.close()
    reopened = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    (loaded,) = reopened.intents("run")
    assert loaded == INTENT and isinstance(loaded.decided_at, datetime) and loaded.kind is IntentKind.MANUAL
    reopened.close()
