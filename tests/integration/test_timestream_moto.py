"""The opt-in Timestream tick store under moto (timestream-write; ap-south-1 works in moto 5).

moto ingests WriteRecords and reports ``RecordsIngested`` but answers every timestream-query with no
rows, so the read path is checked for its request (SQL) and for parsing a canned response.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

from functions.shared.timestream_store import BATCH_SIZE, TimestreamTickStore  # noqa: E402

from vyapari.core.errors import DataError  # noqa: E402

REGION = "ap-south-1"


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with moto.mock_aws():
        session = boto3.Session(region_name=REGION)
        client = session.client("timestream-write")
        client.create_database(DatabaseName="market")
        client.create_table(DatabaseName="market", TableName="ticks")
        yield session


def _ticks(n: int) -> pd.DataFrame:
    ts = pd.Timestamp("2025-09-10 09:15", tz="Asia/Kolkata") + pd.to_timedelta(np.arange(n) * 250, unit="ms")
    return pd.DataFrame({"ts": ts, "price": 1380.0 + np.arange(n) * 0.05, "qty": np.arange(n) + 1})


def test_ticks_are_written_in_batches_of_100(session: Any) -> None:
    store = TimestreamTickStore("market", "ticks", session=session)
    calls: list[int] = []
    store.write_client.meta.events.register(
        "provide-client-params.timestream-write.WriteRecords",
        lambda params, **_: calls.append(len(params["Records"])))
    assert store.write_ticks("NSE", "RELIANCE", _ticks(250)) == 250  # RecordsIngested totals
    assert calls == [BATCH_SIZE, BATCH_SIZE, 50]


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.assign(ts=t["ts"].dt.tz_localize(None)), "tz-aware"),
    (lambda t: t.assign(price=-t["price"]), "positive"),
    (lambda t: t.assign(qty=0.5), "whole number"),
    (lambda t: t.drop(columns="qty"), "missing columns"),
    (lambda t: t.assign(ts=t["ts"].iloc[0]), "share one timestamp"),
])
def test_bad_ticks_raise_a_clear_error(session: Any, change: Any, message: str) -> None:
    store = TimestreamTickStore("market", "ticks", session=session)
    with pytest.raises(DataError, match=message):
        store.write_ticks("NSE", "RELIANCE", change(_ticks(3)))


def test_a_missing_table_is_a_data_error(session: Any) -> None:
    store = TimestreamTickStore("market", "absent", session=session)
    with pytest.raises(DataError, match="Timestream rejected"):
        store.write_ticks("NSE", "RELIANCE", _ticks(2))


def test_read_under_moto_returns_an_empty_tick_frame(session: Any) -> None:
    ticks = TimestreamTickStore("market", "ticks", session=session).read_ticks(
        "NSE", "RELIANCE", date(2025, 9, 10), date(2025, 9, 10))
    assert ticks.empty and list(ticks.columns) == ["ts", "price", "qty"]
    assert str(ticks["ts"].dtype) == "datetime64[ns, Asia/Kolkata]"


class _FakeQuery:
    """Records the query and returns one page in the Timestream response shape."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def get_paginator(self, name: str) -> _FakeQuery:
        assert name == "query"
        return self

    def paginate(self, QueryString: str) -> list[dict[str, Any]]:  # noqa: N803 - boto3's name
        self.queries.append(QueryString)
        rows = [("2025-09-10 03:45:00.250000000", "1380.05", "7"),
                ("2025-09-10 03:45:01.000000000", "1380.1", "3")]
        return [{"Rows": [{"Data": [{"ScalarValue": v} for v in row]} for row in rows]}]


def test_read_sends_the_session_window_and_parses_rows() -> None:
    fake = _FakeQuery()
    store = TimestreamTickStore("market", "ticks", write_client=object(), query_client=fake)
    ticks = store.read_ticks("NSE", "M&M'X", date(2025, 9, 10), date(2025, 9, 11))
    sql = fake.queries[0]
    assert 'FROM "market"."ticks"' in sql and "symbol = 'M&M''X'" in sql and "exchange = 'NSE'" in sql
    assert "time >= from_iso8601_timestamp('2025-09-10T00:00:00+05:30')" in sql
    assert "time < from_iso8601_timestamp('2025-09-12T00:00:00+05:30')" in sql
    assert sql.endswith("ORDER BY time")
    assert list(ticks["ts"].dt.strftime("%H:%M:%S.%f")) == ["09:15:00.250000", "09:15:01.000000"]
    assert ticks["qty"].tolist() == [7, 3] and ticks["price"].tolist() == [1380.05, 1380.1]
