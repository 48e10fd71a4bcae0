"""The Upstox adapter and the instrument snapshot's parser give every instrument the same
``instrument_id`` and ``instrument_key``: orders go out with the snapshot's key, and order, trade
and position rows come back under the snapshot's id (through the real ``upstox-python-sdk``
against the fake Upstox server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest
from fake_upstox import ACCESS_TOKEN, API_KEY, API_SECRET, REDIRECT, FakeUpstox

from vyapari.brokers.retry import RetryPolicy
from vyapari.brokers.secrets import InMemorySecretsStore
from vyapari.brokers.session import BrokerSession, SessionProvider
from vyapari.brokers.types import OrderSubmission
from vyapari.brokers.upstox import UpstoxBrokerAdapter, upstox_config_from_env
from vyapari.core.time import IST
from vyapari.instruments import InstrumentRecord, parse_upstox_json
from vyapari.model.enums import ProductType, Side

NOW = datetime(2026, 1, 5, 9, 20, tzinfo=IST)
EXPIRY_MS = 1769509800000  # 2026-01-27 15:30 IST
MASTER = [
    {
        "segment": "NSE_EQ",
        "exchange": "NSE",
        "trading_symbol": "RELIANCE",
        "instrument_key": "NSE_EQ|INE002A01018",
        "isin": "INE002A01018",
        "lot_size": 1,
        "tick_size": 10.0,
        "instrument_type": "EQ",
    },
    {
        "segment": "BSE_EQ",
        "exchange": "BSE",
        "trading_symbol": "RELIANCE",
        "instrument_key": "BSE_EQ|INE002A01018",
        "isin": "INE002A01018",
        "lot_size": 1,
        "tick_size": 5.0,
        "instrument_type": "A",
    },
    {
        "segment": "NSE_FO",
        "exchange": "NSE",
        "trading_symbol": "NIFTY FUT 27 JAN 26",
        "instrument_key": "NSE_FO|49229",
        "lot_size": 65,
        "tick_size": 10.0,
        "freeze_quantity": 1755.0,
        "expiry": EXPIRY_MS,
        "instrument_type": "FUT",
        "underlying_symbol": "NIFTY",
    },
    {
        "segment": "NSE_FO",
        "exchange": "NSE",
        "trading_symbol": "NIFTY 24000 CE 27 JAN 26",
        "instrument_key": "NSE_FO|49301",
        "lot_size": 65,
        "tick_size": 5.0,
        "freeze_quantity": 1755.0,
        "expiry": EXPIRY_MS,
        "strike_price": 24000.0,
        "instrument_type": "CE",
        "underlying_symbol": "NIFTY",
    },
]
# How Upstox's books name the derivatives: exchange "NFO" and the exchange's own symbol, which
# differs from the master's; only the instrument key ties a row to the snapshot.
BOOK_SYMBOLS = {"NSE_FO|49229": ("NFO", "NIFTY26JANFUT"), "NSE_FO|49301": ("NFO", "NIFTY2612724000CE")}


@pytest.fixture
def upstox() -> Iterator[FakeUpstox]:
    server = FakeUpstox()
    server.root = server.start()
    server.instruments = MASTER
    server.book_symbols = dict(BOOK_SYMBOLS)
    yield server
    server.stop()


@pytest.fixture
def records() -> list[InstrumentRecord]:
    parsed = parse_upstox_json(json.dumps(MASTER).encode())
    assert parsed.bad_rows == []
    return parsed.records


def _adapter(server: FakeUpstox, records: list[InstrumentRecord] | None = None) -> UpstoxBrokerAdapter:
    root = server.root
    config = upstox_config_from_env(
        {
            "UPSTOX_API_KEY": API_KEY,
            "UPSTOX_API_SECRET": API_SECRET,
            "UPSTOX_REDIRECT_URI": REDIRECT,
            "UPSTOX_API_HOST": root,
            "UPSTOX_INSTRUMENTS_URL": f"{root}/instruments.json",
            "UPSTOX_TIMEOUT_S": "1.0",
        }
    )
    provider = SessionProvider("upstox", InMemorySecretsStore(), clock=lambda: NOW)
    provider.save(BrokerSession.issued("upstox", ACCESS_TOKEN, NOW.replace(hour=8)))
    return UpstoxBrokerAdapter(
        config, provider, retry=RetryPolicy(2, 0.01), sleep=lambda s: None, instruments=records
    )


def _trade_all(server: FakeUpstox, adapter: UpstoxBrokerAdapter, records: list[InstrumentRecord]) -> None:
    for n, record in enumerate(records):
        request = OrderSubmission(
            f"ids{n:04d}",
            record.instrument_id,
            Side.BUY,
            2 * record.lot_size,
            product=ProductType.MIS,
            lot_size=record.lot_size,
        )
        adapter.submit(request)
    for order in server.orders:
        server.fill(order["order_id"], order["quantity"], 100.0)
    server.position_rows = [
        {
            "exchange": order["exchange"],
            "trading_symbol": order["trading_symbol"],
            "instrument_token": order["instrument_token"],
            "product": "I",
            "quantity": order["quantity"],
            "average_price": 100.0,
            "realised": 0,
            "unrealised": 0,
        }
        for order in server.orders
    ]


def test_snapshot_parser_names_upstox_instruments_with_our_exchange_codes(
    records: list[InstrumentRecord],
) -> None:
    assert {r.broker_token: r.instrument_id for r in records} == {
        "NSE_EQ|INE002A01018": "NSE:RELIANCE",
        "BSE_EQ|INE002A01018": "BSE:RELIANCE",
        "NSE_FO|49229": "NFO:NIFTY FUT 27 JAN 26",
        "NSE_FO|49301": "NFO:NIFTY 24000 CE 27 JAN 26",
    }
    assert {r.freeze_quantity for r in records if r.exchange == "NFO"} == {1755}


@pytest.mark.parametrize("from_snapshot", [False, True], ids=["master-download", "snapshot"])
def test_adapter_maps_orders_trades_and_positions_to_the_snapshot_ids(
    upstox: FakeUpstox, records: list[InstrumentRecord], from_snapshot: bool
) -> None:
    _trade_all(upstox, _adapter(upstox, records if from_snapshot else None), records)
    sent = {r.body["tag"]: r.body["instrument_token"] for r in upstox.log if r.path == "/v3/order/place"}
    assert sent == {f"ids{n:04d}": r.broker_token for n, r in enumerate(records)}

    expected = {r.broker_token: r.instrument_id for r in records}
    by_order = {o["order_id"]: o["instrument_token"] for o in upstox.orders}
    reader = _adapter(upstox, records if from_snapshot else None)  # a fresh adapter reads the books first
    orders = reader.orders()
    assert {o.broker_order_id: o.instrument_id for o in orders} == {
        oid: expected[key] for oid, key in by_order.items()
    }
    assert sorted(t.instrument_id for t in reader.trades()) == sorted(expected.values())
    assert {p.instrument_id: p.quantity for p in reader.positions()} == {
        r.instrument_id: 2 * r.lot_size for r in records
    }
    downloads = sum(1 for r in upstox.log if r.path == "/instruments.json")
    assert downloads == (0 if from_snapshot else 2)  # once per adapter, never with a snapshot


def test_adapter_instrument_master_matches_the_snapshot_records(
    upstox: FakeUpstox, records: list[InstrumentRecord]
) -> None:
    infos = _adapter(upstox).instruments()
    assert [(i.instrument_id, i.broker_token, i.lot_size, i.tick_size) for i in infos] == [
        (r.instrument_id, r.broker_token, r.lot_size, r.tick_size) for r in records
    ]
    assert [i.instrument_id for i in _adapter(upstox).instruments("NFO")] == [
        "NFO:NIFTY FUT 27 JAN 26",
        "NFO:NIFTY 24000 CE 27 JAN 26",
    ]
