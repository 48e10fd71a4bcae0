"""``vyapari login`` writes a 0600 session the running adapter picks up; no credential is ever logged."""

from __future__ import annotations

import argparse
import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import fake_kite
import fake_upstox
import pytest
from fake_http import Response
from fake_kite import FakeKite
from fake_upstox import FakeUpstox

from vyapari.brokers import BrokerError, OrderSubmission, make_broker
from vyapari.brokers.errors import SessionExpired
from vyapari.cli import login as login_cli
from vyapari.model.enums import OrderType, Side

SECRETS = [
    fake_kite.API_SECRET,
    fake_kite.REQUEST_TOKEN,
    fake_kite.ACCESS_TOKEN,
    fake_upstox.API_SECRET,
    fake_upstox.AUTH_CODE,
    fake_upstox.ACCESS_TOKEN,
]


@pytest.fixture
def servers() -> Iterator[tuple[FakeKite, FakeUpstox]]:
    kite, upstox = FakeKite(), FakeUpstox()
    kite.root, upstox.root = kite.start(), upstox.start()
    yield kite, upstox
    kite.stop()
    upstox.stop()


@pytest.fixture
def env(
    servers: tuple[FakeKite, FakeUpstox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    kite, upstox = servers
    values = {
        "VYAPARI_SECRETS_FILE": str(tmp_path / "secrets" / "vyapari.json"),
        "KITE_API_KEY": fake_kite.API_KEY,
        "KITE_API_SECRET": fake_kite.API_SECRET,
        "KITE_API_ROOT": kite.root,
        "KITE_TIMEOUT_S": "1.0",
        "UPSTOX_API_KEY": fake_upstox.API_KEY,
        "UPSTOX_API_SECRET": fake_upstox.API_SECRET,
        "UPSTOX_REDIRECT_URI": fake_upstox.REDIRECT,
        "UPSTOX_API_HOST": upstox.root,
        "UPSTOX_INSTRUMENTS_URL": f"{upstox.root}/instruments.json",
        "UPSTOX_TIMEOUT_S": "1.0",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def _cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    login_cli.register(parser.add_subparsers(), "login", "Daily broker login")
    args = parser.parse_args(["login", *argv])
    return int(args.func(args))


def test_login_cli_writes_0600_file_and_adapter_picks_token_up(env: dict[str, str]) -> None:
    broker = make_broker({**env, "BROKER": "zerodha"})
    with pytest.raises(SessionExpired):
        broker.orders()
    assert _cli("zerodha", "--request-token", fake_kite.REQUEST_TOKEN) == 0
    path = Path(env["VYAPARI_SECRETS_FILE"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert broker.orders() == []  # same adapter object, new token
    assert _cli("upstox", "--code", fake_upstox.AUTH_CODE) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert make_broker({**env, "BROKER": "upstox"}).orders() == []


def test_credentials_never_appear_in_logs_errors_or_output(
    env: dict[str, str],
    servers: tuple[FakeKite, FakeUpstox],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    kite, upstox = servers
    messages: list[str] = []
    for name, code_arg, code in (
        ("zerodha", "--request-token", "reqtoken-WRONG-99"),
        ("upstox", "--code", "authcode-WRONG-99"),
    ):
        with pytest.raises(BrokerError) as info:
            _cli(name, code_arg, code)
        messages.append(str(info.value))
        assert code not in str(info.value)
    _cli("zerodha", "--request-token", fake_kite.REQUEST_TOKEN)
    _cli("upstox", "--code", fake_upstox.AUTH_CODE)
    kite.add_fault("POST", "/orders/regular", delay_s=2.5)
    kite.add_fault(
        "GET",
        "/orders",
        Response(
            500,
            {
                "status": "error",
                "message": f"echo {fake_kite.ACCESS_TOKEN}",
                "error_type": "GeneralException",
            },
        ),
    )
    upstox.add_fault(
        "POST", "/v3/order/place", fake_upstox.error(400, "UDAPI1", f"bad {fake_upstox.ACCESS_TOKEN}")
    )
    for broker_name in ("zerodha", "upstox"):
        broker = make_broker({**env, "BROKER": broker_name})
        try:
            broker.submit(OrderSubmission("leak1", "NSE:INFY", Side.BUY, 1, OrderType.MARKET))
        except BrokerError as exc:
            messages.append(str(exc))
    out, err = capfd.readouterr()
    everything = "\n".join([caplog.text, out, err, *messages])
    assert caplog.records  # the SDKs and adapters did log at DEBUG
    for secret in SECRETS:
        assert secret not in everything, secret
