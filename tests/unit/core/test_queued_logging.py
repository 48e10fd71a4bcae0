"""Log records written by a listener thread: none lost, in order, handlers put back, still redacted."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator

import pytest

from vyapari.brokers.redact import install_redaction, register_secret
from vyapari.core.logs import queued_logging


class ThreadRecorder(logging.Handler):
    """Remembers each message and the thread that wrote it."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((self.format(record), threading.current_thread().name))


@pytest.fixture
def root_handlers() -> Iterator[list[logging.Handler]]:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    for handler in saved:
        root.removeHandler(handler)
    yield saved
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved:
        root.addHandler(handler)
    root.setLevel(level)


def test_records_are_written_off_thread_in_order_none_lost(root_handlers: list[logging.Handler]) -> None:
    recorder = ThreadRecorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    root.setLevel(logging.INFO)
    before = list(root.handlers)  # pytest's capture handlers too
    with queued_logging():
        assert recorder not in root.handlers and len(root.handlers) == 1
        for n in range(500):
            logging.getLogger("vyapari.test").info("line %d", n)
    assert sorted(map(id, root.handlers)) == sorted(map(id, before))
    assert [text for text, _ in recorder.lines] == [f"line {n}" for n in range(500)]
    assert {thread for _, thread in recorder.lines} != {threading.current_thread().name}


def test_credentials_are_masked_before_the_record_is_queued(root_handlers: list[logging.Handler]) -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    with queued_logging():
        install_redaction()
        register_secret("qu3ued-s3cret")
        logging.getLogger("some.library").warning("login with %s", "qu3ued-s3cret")
        logging.getLogger("other").info("GET /?access_token=abcdef123")
    text = out.getvalue()
    assert "qu3ued-s3cret" not in text and "abcdef123" not in text
    assert "WARNING login with ***" in text


def test_without_handlers_nothing_changes(root_handlers: list[logging.Handler]) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):  # pytest's own, added for the test's call phase
        root.removeHandler(handler)
    with queued_logging():
        assert root.handlers == []
