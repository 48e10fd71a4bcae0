"""Lines held during a latency-critical block are written after it, in order, with their own time."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import pytest

from vyapari.brokers.redact import MASK, get_logger, register_secret
from vyapari.core.deferred_log import DeferredLog


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.at: list[float] = []  # when each record reached the handler

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.at.append(time.time())


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, Capture]]:
    logger = logging.getLogger("vyapari.test.deferred")
    handler = Capture()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, handler
    logger.removeHandler(handler)


def test_held_lines_are_written_at_the_end_of_the_block_in_order_with_their_own_time(captured) -> None:
    logger, handler = captured
    log = DeferredLog()
    with log.held():
        assert log.holding()
        before = time.time()
        log.info(logger, "order %s placed", "A")
        log.info(logger, "order %s placed", "B")
        time.sleep(0.02)
        assert handler.records == []  # nothing written inside the block
    assert not log.holding()
    assert [r.getMessage() for r in handler.records] == ["order A placed", "order B placed"]
    first = handler.records[0]
    assert before <= first.created < handler.at[0] - 0.015  # stamped when logged, not when written
    assert first.msecs == pytest.approx((first.created % 1) * 1000)
    assert first.levelno == logging.INFO and first.name == logger.name


def test_outside_a_block_and_on_other_threads_lines_are_written_at_once(captured) -> None:
    logger, handler = captured
    log = DeferredLog()
    log.info(logger, "now")
    assert [r.getMessage() for r in handler.records] == ["now"]
    with log.held():
        other = threading.Thread(target=lambda: log.info(logger, "from another thread"))
        other.start()
        other.join()
        assert [r.getMessage() for r in handler.records] == ["now", "from another thread"]
        log.info(logger, "held")
    assert handler.records[-1].getMessage() == "held"


def test_a_block_that_raises_still_writes_its_lines_and_nested_blocks_write_once(captured) -> None:
    logger, handler = captured
    log = DeferredLog()
    with pytest.raises(RuntimeError), log.held():
        log.info(logger, "outer")
        with log.held():
            log.info(logger, "inner")
        assert handler.records == []  # the inner block's end does not write: the outer one does
        raise RuntimeError("boom")
    assert [r.getMessage() for r in handler.records] == ["outer", "inner"]


def test_held_lines_are_dropped_when_the_level_is_off_and_redacted_when_written(captured) -> None:
    logger, handler = captured
    log = DeferredLog()
    logger.setLevel(logging.WARNING)
    with log.held():
        log.info(logger, "not wanted")
    assert handler.records == []
    logger.setLevel(logging.INFO)
    secret = "sekrit-token-0123456789"
    register_secret(secret)
    redacting = get_logger("vyapari.brokers.test_deferred")  # as the broker adapters' loggers
    redacting.setLevel(logging.INFO)
    redacting.addHandler(handler)
    redacting.propagate = False
    try:
        with log.held():
            log.info(redacting, "token %s used", secret)
    finally:
        redacting.removeHandler(handler)
    message = handler.records[-1].getMessage()
    assert secret not in message and MASK in message


def test_later_calls_run_at_the_end_of_the_block_in_order_and_emf_lines_keep_their_time() -> None:
    import io
    import json

    from vyapari.core.deferred_log import deferred
    from vyapari.live.ports import EmfMetrics

    out = io.StringIO()
    metrics = EmfMetrics(stream=out)
    done: list[int] = []
    with deferred.held():
        before = time.time()
        metrics.count("orders_total", side="BUY")
        deferred.later(done.append, 1)
        deferred.later(done.append, 2)
        time.sleep(0.03)
        assert out.getvalue() == "" and done == []
    assert done == [1, 2]
    line = json.loads(out.getvalue())
    assert line["orders_total"] == 1 and line["side"] == "BUY"
    assert before * 1000 - 1 <= line["_aws"]["Timestamp"] <= (before + 0.02) * 1000  # when counted
    metrics.count("fills_total")  # outside a block: written at once
    assert out.getvalue().count("\n") == 2
