"""The broker SDK internals our tick streams override or call are the ones they were written against.

``vyapari.brokers.zerodha.ticks`` subclasses ``KiteTicker`` (its factory, connection and private
callbacks) and ``vyapari.brokers.upstox.streamer`` replaces ``MarketDataFeederV3.connect`` /
``disconnect`` and several ``MarketDataStreamerV3`` handlers. pyproject pins both SDKs exactly; when
a new pin changes any of these members, this test names it: read the new SDK code, adapt the stream,
then record the new signature and source hash here.
"""

from __future__ import annotations

import hashlib
import inspect
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

kiteconnect = pytest.importorskip("kiteconnect", reason="the brokers extra is not installed")
upstox_feeder = pytest.importorskip("upstox_client.feeder.market_data_feeder_v3",
                                    reason="the brokers extra is not installed")

from kiteconnect import ticker as kite_ticker  # noqa: E402
from upstox_client.feeder import streamer as upstox_streamer  # noqa: E402
from upstox_client.feeder.market_data_streamer_v3 import MarketDataStreamerV3  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
KT, KF = kite_ticker.KiteTicker, kite_ticker.KiteTickerClientFactory
UF, US, UB = upstox_feeder.MarketDataFeederV3, MarketDataStreamerV3, upstox_streamer.Streamer

# (class, member): (signature, first 16 hex of the SHA-256 of its source) in the pinned SDKs
INTERNALS = {
    (KT, "__init__"): ("(self, api_key, access_token, debug=False, root=None, reconnect=True, "
                       "reconnect_max_tries=50, reconnect_max_delay=60, connect_timeout=30)",
                       "33f40cf8a02e6d13"),
    (KT, "_create_connection"): ("(self, url, **kwargs)", "faabf49b29a31c0f"),
    (KT, "_user_agent"): ("(self)", "8e4ce01f8601dcdd"),
    (KT, "_on_open"): ("(self, ws)", "6b7cd3445937776c"),
    (KT, "_on_message"): ("(self, ws, payload, is_binary)", "b7c9b8ec85bc0658"),
    (KT, "_on_close"): ("(self, ws, code, reason)", "f453734b55a91b20"),
    (KT, "_on_error"): ("(self, ws, code, reason)", "1a8fd98194d1eb3a"),
    (KT, "_on_noreconnect"): ("(self)", "de744b177dafda38"),
    (KT, "close"): ("(self, code=None, reason=None)", "c556e93dca45410c"),
    (KT, "is_connected"): ("(self)", "489a4fcd17ef49b8"),
    (KT, "subscribe"): ("(self, instrument_tokens)", "dd9c636a4f6be565"),
    (KT, "unsubscribe"): ("(self, instrument_tokens)", "4835150cb6c51ba8"),
    (KT, "set_mode"): ("(self, mode, instrument_tokens)", "a4d46a3e04cc4930"),
    (KF, "__init__"): ("(self, *args, **kwargs)", "d94da2f2a5b388f7"),
    (KF, "clientConnectionFailed"): ("(self, connector, reason)", "13f54766bcb8132a"),
    (KF, "clientConnectionLost"): ("(self, connector, reason)", "170c12096ca7133f"),
    (KF, "retry"): ("(self, connector=None)", "1bec76ce8d27cf1c"),
    (UF, "__init__"): ("(self, api_client=None, instrumentKeys=[], mode='full', on_open=None, "
                       "on_message=None, on_error=None, on_close=None)", "e3c4c325c9236eb8"),
    (UF, "connect"): ("(self)", "cc8844f5fb8a173b"),
    (UF, "disconnect"): ("(self)", "18a9244d3d43461a"),
    (US, "__init__"): ("(self, api_client=None, instrumentKeys=[], mode='ltpc')", "638876ecf05224d2"),
    (US, "connect"): ("(self)", "b39ff309826fda5b"),
    (US, "handle_open"): ("(self, ws)", "0bea5da9c753dbd6"),
    (US, "handle_message"): ("(self, ws, message)", "0a1c661e08abe1b0"),
    (US, "handle_close"): ("(self, ws, close_status_code, close_msg)", "22eca2b7aa6706be"),
    (US, "handle_error"): ("(self, ws, error)", "c660306c795d4c29"),
    (US, "subscribe_to_initial_keys"): ("(self)", "cf93b6b8bbc8bad5"),
    (US, "subscribe"): ("(self, instrumentKeys, mode)", "f86cea86dd62d73b"),
    (US, "unsubscribe"): ("(self, instrumentKeys)", "6c1153bdc76b4be6"),
    (UB, "auto_reconnect"): ("(self, enable, interval=1, retry_count=5)", "4a5b769b70ba0441"),
    (UB, "on"): ("(self, event, listener)", "cdfc95d707aa8996"),
    (UB, "emit"): ("(self, event, *args)", "c0837288a765b5cd"),
}


def _source_hash(member: object) -> str:
    return hashlib.sha256(inspect.getsource(member).encode()).hexdigest()[:16]  # type: ignore[arg-type]


def test_the_installed_broker_sdks_are_the_exact_pins() -> None:
    brokers = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"]["brokers"]
    pins = dict(r.split("==") for r in brokers)
    assert set(pins) >= {"kiteconnect", "upstox-python-sdk", "websocket-client"}, brokers
    for name, pinned in pins.items():
        assert version(name) == pinned, f"{name} {version(name)} installed, {pinned} pinned"


@pytest.mark.parametrize(("owner", "name"), list(INTERNALS), ids=[f"{c.__name__}.{n}" for c, n in INTERNALS])
def test_overridden_sdk_member_is_unchanged(owner: type, name: str) -> None:
    signature, digest = INTERNALS[(owner, name)]
    member = getattr(owner, name, None)  # defined on the class or inherited (the factory's retry)
    assert member is not None, f"{owner.__module__}.{owner.__name__}.{name} is gone"
    assert str(inspect.signature(member)) == signature, f"{owner.__name__}.{name} changed its signature"
    assert _source_hash(member) == digest, (
        f"{owner.__name__}.{name} changed in this SDK version: review the tick stream that overrides it")


def test_the_streams_still_subclass_what_they_override() -> None:
    from vyapari.brokers.upstox.streamer import ServiceStreamerV3, SessionFeederV3
    from vyapari.brokers.zerodha.ticks import _StreamTicker

    assert issubclass(_StreamTicker, KT)
    assert issubclass(SessionFeederV3, UF) and issubclass(ServiceStreamerV3, US)
    overridden = {"_on_open", "_on_message", "_on_close", "_on_error", "_on_noreconnect"}
    assert overridden <= set(_StreamTicker.__dict__)
    assert all((KT, name) in INTERNALS for name in overridden)
    for name in ("connect", "handle_open", "handle_message", "handle_close", "handle_error",
                 "subscribe_to_initial_keys"):
        assert name in ServiceStreamerV3.__dict__ and (US, name) in INTERNALS, name
