"""The journaled paper broker on its storage port: any :class:`PaperJournal` rebuilds the same account.

The session of ``test_paper_slices`` (random orders on twelve instruments, minute slices) plus bars,
modifications and cancellations is run on one adapter, the adapter is dropped, and a new one on the
same journal must show the same orders, trades, positions, cash and marks. ``trade_session`` and
``account`` are also used by the DynamoDB journal's tests (tests/integration/aws_live).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from tests.unit.brokers.test_paper_slices import (
    IDS,
    T0,
    _bars,
    _config,
    _feed_candles,
    _orders,
    _slices,
    _state,
)

from vyapari.brokers.factory import make_broker
from vyapari.brokers.paper import (
    FilePaperJournal,
    InMemoryPaperJournal,
    JournaledPaperBrokerAdapter,
    PaperBrokerAdapter,
    PaperConfig,
)
from vyapari.brokers.types import OrderChange, OrderSubmission
from vyapari.model.enums import OrderStatus, OrderType, Side

ORDER_OPS = {"place", "modify", "cancel"}


def config() -> PaperConfig:
    """Volume-share slippage, Zerodha fees, ₹2,00,000."""
    return _config("volume", capital="200000")


def _amend(broker: PaperBrokerAdapter, rng: np.random.Generator) -> None:
    """Move the limit of one open limit order a paisa or two; cancel one other open order."""
    open_ = [o for o in broker.orders() if not o.status.is_terminal and o.client_order_id]
    limits = [o for o in open_ if o.order_type is OrderType.LIMIT and o.limit_price is not None]
    if limits:
        order = limits[int(rng.integers(0, len(limits)))]
        step = Decimal("0.05") * int(rng.integers(1, 3))
        price = order.limit_price + step if order.side is Side.BUY else order.limit_price - step  # type: ignore[operator]
        broker.modify(str(order.client_order_id), OrderChange(limit_price=price))
    others = [o for o in open_ if o not in limits[:1]]
    if others:
        broker.cancel(str(others[int(rng.integers(0, len(others)))].client_order_id))


def trade_session(broker: PaperBrokerAdapter, seed: int = 7, minutes: int = 30) -> None:
    """Random orders every minute; even minutes as one slice, odd ones bar by bar; amendments."""
    rng = np.random.default_rng(seed)
    for minute, s in enumerate(_slices(rng, minutes)):
        for request in _orders(rng, minute, s["close"]):
            broker.submit(request)
        if minute % 4 == 3:
            _amend(broker, rng)
        at = T0 + timedelta(minutes=minute)
        if minute % 2:
            _feed_candles(broker, at, s)
        else:
            broker.on_slice(_bars(at, s))


def account(broker: PaperBrokerAdapter) -> tuple[object, ...]:
    """Trades, orders, positions, cash, equity and the marks of held instruments."""
    held = sorted(p.instrument_id for p in broker.positions() if p.quantity)
    return *_state(broker), [(i, broker.exchange.mark(i)) for i in held]


def _ops(lines: Sequence[str]) -> list[str]:
    return [json.loads(line)["op"] for line in lines]


def test_an_in_memory_journal_rebuilds_the_same_orders_trades_positions_and_cash() -> None:
    journal = InMemoryPaperJournal()
    broker = JournaledPaperBrokerAdapter(journal, config())
    trade_session(broker)
    before = account(broker)
    statuses = {o.status for o in broker.orders()}
    assert len(broker.trades()) > 10 and {OrderStatus.FILLED, OrderStatus.CANCELLED} <= statuses
    assert {"place", "modify", "cancel", "bar", "slice"} <= set(_ops(journal.lines))
    del broker  # a crash: nothing closed

    reopened = JournaledPaperBrokerAdapter(journal, config())
    assert reopened.journal_path is None
    assert account(reopened) == before
    assert len(journal.lines) == len(_ops(journal.lines))  # rebuilding appended nothing


def test_a_rebuilt_broker_takes_no_minute_twice_and_journals_what_comes_next() -> None:
    journal = InMemoryPaperJournal()
    first = JournaledPaperBrokerAdapter(journal, config())
    trade_session(first, minutes=20)
    reopened = JournaledPaperBrokerAdapter(journal, config())
    s = _slices(np.random.default_rng(3), 1)[0]
    last = T0 + timedelta(minutes=18)  # an even minute: fed as a slice before the restart
    again = reopened.on_slice(_bars(last, s))
    assert not again.trades and not again.orders
    reopened.submit(OrderSubmission("after-restart", IDS[0], Side.SELL, 1))
    nxt = T0 + timedelta(minutes=20)
    reopened.on_slice(_bars(nxt, s))
    third = JournaledPaperBrokerAdapter(journal, config())
    assert account(third) == account(reopened)
    assert any(t.client_order_id == "after-restart" for t in third.trades())


def test_orders_are_appended_durably_and_market_data_is_not() -> None:
    class Recording(InMemoryPaperJournal):
        def __init__(self) -> None:
            super().__init__()
            self.calls: list[tuple[str, bool]] = []

        def append(self, lines: Sequence[str], *, durable: bool) -> None:
            self.calls.extend((op, durable) for op in _ops(lines))
            super().append(lines, durable=durable)

    journal = Recording()
    trade_session(JournaledPaperBrokerAdapter(journal, config()))
    assert {op for op, _ in journal.calls} == ORDER_OPS | {"bar", "slice"}
    assert all(durable == (op in ORDER_OPS) for op, durable in journal.calls)


def test_the_file_journal_writes_exactly_the_lines_of_the_port(tmp_path: Path) -> None:
    memory = InMemoryPaperJournal()
    trade_session(JournaledPaperBrokerAdapter(memory, config()))
    path = tmp_path / "state" / "journal.jsonl"
    on_file = JournaledPaperBrokerAdapter(path, config())
    trade_session(on_file)
    on_file.close()
    assert on_file.journal_path == path
    assert path.read_text(encoding="utf-8") == "".join(f"{line}\n" for line in memory.lines)
    assert list(FilePaperJournal(path).read_all()) == memory.lines


def test_a_torn_last_line_is_ignored_and_the_next_input_starts_a_line_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    broker = JournaledPaperBrokerAdapter(path, config())
    trade_session(broker, minutes=10)
    broker.close()
    with path.open("a", encoding="utf-8") as f:
        f.write('{"op":"place","cid":"torn","instrument_id":"NSE:S0')  # killed mid-write
    reopened = JournaledPaperBrokerAdapter(path, config())
    assert account(reopened) == account(broker)
    reopened.submit(OrderSubmission("after-tear", IDS[1], Side.BUY, 1))
    reopened.close()

    third = JournaledPaperBrokerAdapter(path, config())
    assert [o.client_order_id for o in third.orders()] == [o.client_order_id for o in reopened.orders()]
    assert "after-tear" in {o.client_order_id for o in third.orders()}
    assert "torn" not in path.read_text(encoding="utf-8")
    third.close()


def test_the_file_journal_refuses_a_line_with_a_newline(tmp_path: Path) -> None:
    journal = FilePaperJournal(tmp_path / "j.jsonl")
    with pytest.raises(ValueError, match="newline"):
        journal.append(['{"op":"bar"}\n{"op":"bar"}'], durable=False)
    assert list(journal.read_all()) == []


def test_make_broker_journals_the_paper_broker_on_the_journal_it_is_given(tmp_path: Path) -> None:
    journal = InMemoryPaperJournal()
    settings = {"BROKER": "paper", "PAPER_STATE_FILE": str(tmp_path / "unused.jsonl")}
    first = make_broker(settings, journal=journal)
    first.submit(OrderSubmission("via-factory", IDS[2], Side.BUY, 3))
    second = make_broker(settings, journal=journal)
    assert isinstance(second, JournaledPaperBrokerAdapter) and second.journal is journal
    assert [o.client_order_id for o in second.orders()] == ["via-factory"]
    assert not (tmp_path / "unused.jsonl").exists()  # the journal given wins over PAPER_STATE_FILE
