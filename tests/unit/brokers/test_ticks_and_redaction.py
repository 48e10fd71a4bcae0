"""Tick stream resubscription and malformed ticks; credentials never reach logs or errors."""

from __future__ import annotations

import logging

import pytest
from broker_fakes import Failure, ListTickStream, ScriptedBroker

from vyapari.brokers.errors import BrokerFailure, map_failure
from vyapari.brokers.redact import redact, register_secret
from vyapari.brokers.types import OrderSubmission, Tick
from vyapari.model.enums import Side


def test_reconnect_resubscribes_every_instrument_and_notifies() -> None:
    stream = ListTickStream()
    reconnects: list[int] = []
    stream.on_reconnect(reconnects.append)
    stream.subscribe(["NSE:INFY"])  # before connect: remembered
    stream.connect()
    stream.subscribe(["NSE:TCS"])
    stream.unsubscribe(["NSE:INFY"])
    stream.subscribe(["NSE:SBIN"])
    stream.handle_close("1006")
    stream.handle_open()
    assert stream.sent[-1] == ("subscribe", ("NSE:SBIN", "NSE:TCS"))
    assert reconnects == [1]


def test_malformed_ticks_are_counted_and_skipped() -> None:
    stream = ListTickStream()
    seen: list[Tick] = []
    stream.on_tick(seen.append)
    stream.connect()
    stream.handle_message("NSE:INFY:1500.5")
    stream.handle_message("garbage")  # Decimal("garbage") raises decimal.InvalidOperation
    stream.handle_message("NSE:TCS:3500")
    assert [t.instrument_id for t in seen] == ["NSE:INFY", "NSE:TCS"]
    assert stream.malformed == 1


def test_a_raising_callback_does_not_stop_the_stream() -> None:
    stream = ListTickStream()
    seen: list[Tick] = []

    def boom(tick: Tick) -> None:
        raise RuntimeError("strategy bug")

    stream.on_tick(boom)
    stream.on_tick(seen.append)
    stream.connect()
    stream.handle_message("NSE:INFY:1500")
    assert len(seen) == 1


@pytest.mark.parametrize(
    "text",
    [
        "GET /x?api_key=kk1234&access_token=zzSECRET99 HTTP/1.1",
        '{"access_token": "zzSECRET99", "ok": 1}',
        "Authorization: token kk1234:zzSECRET99",
        "headers={'Authorization': 'Bearer zzSECRET99'}",
        "GET /x?API_KEY=kk1234&Access_Token=zzSECRET99",
        "refresh_token=zzSECRET99 client_id=zzSECRET99",
        '{"CLIENT_SECRET": "zzSECRET99"}',
        "BEARER zzSECRET99",
        "enctoken=zzSECRET99",
    ],
)
def test_credential_shapes_are_masked(text: str) -> None:
    assert "zzSECRET99" not in redact(text)


def test_every_credential_key_is_caught_by_the_quick_pre_check() -> None:
    # redact() skips the shape substitutions when no hint word occurs: each key needs one
    from vyapari.brokers.redact import _HINTS, _KEYS

    for key in _KEYS.split("|"):
        assert any(hint in key for hint in _HINTS), key
        assert "zzSECRET99" not in redact(f"{key.upper()}=zzSECRET99"), key
    assert "zzSECRET99" not in redact("AUTHORIZATION=zzSECRET99") + redact("Bearer zzSECRET99")


def test_a_record_seen_by_two_filters_stays_masked(caplog: pytest.LogCaptureFixture) -> None:
    register_secret("tw0-filters-77")
    caplog.set_level(logging.INFO)
    logging.getLogger("vyapari.brokers.twice").info("access_token=%s and %s", "abc123xyz", "tw0-filters-77")
    assert "tw0-filters-77" not in caplog.text and "abc123xyz" not in caplog.text
    assert "access_token=***" in caplog.text


def test_registered_secrets_are_masked_in_logs_and_errors(caplog: pytest.LogCaptureFixture) -> None:
    register_secret("s3cr3t-value-42")
    caplog.set_level(logging.DEBUG)
    logging.getLogger("vyapari.brokers.anything").warning("token is %s", "s3cr3t-value-42")
    logging.getLogger("urllib3.connectionpool").debug("POST /?code=s3cr3t-value-42")
    broker = ScriptedBroker()
    broker.place_script = [Failure(403, "TokenException", "token s3cr3t-value-42 is invalid")]
    with pytest.raises(Exception) as info:
        broker.submit(OrderSubmission("c1", "NSE:INFY", Side.BUY, 1))
    assert "s3cr3t-value-42" not in str(info.value)
    assert "s3cr3t-value-42" not in caplog.text
    error = map_failure("x", BrokerFailure(500, "", "echo s3cr3t-value-42"))
    assert "s3cr3t-value-42" not in str(error)
