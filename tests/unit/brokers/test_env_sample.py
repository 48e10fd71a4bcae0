"""The shipped ``.env.sample`` is a working configuration: the paper broker, both brokers' settings
and the risk limits load from it as written, with the backtest's defaults for the paper broker."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from vyapari.backtest.config import BacktestConfig
from vyapari.brokers.factory import broker_name, make_broker
from vyapari.brokers.paper import PaperBrokerAdapter
from vyapari.brokers.upstox.config import upstox_config_from_env
from vyapari.brokers.zerodha.config import kite_config_from_env
from vyapari.core.errors import InvalidInput
from vyapari.costs import NoSlippage, ZerodhaFees
from vyapari.live.risk import risk_limits_from_env

SAMPLE = Path(__file__).resolve().parents[3] / ".env.sample"


def _settings() -> dict[str, str]:
    """``KEY=VALUE`` lines of the sample (comments and blank lines skipped), as a loader sees them."""
    out: dict[str, str] = {}
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"not a KEY=VALUE line: {line!r}"
            out[key.strip()] = value.strip()
    return out


def test_the_sample_configures_the_paper_broker_with_the_documented_defaults() -> None:
    settings = _settings()
    assert broker_name(settings) == "paper"
    broker = make_broker(settings)
    assert isinstance(broker, PaperBrokerAdapter)
    config = broker.exchange.config
    assert config.initial_capital == Decimal("1000000")
    assert config.slippage == NoSlippage()  # the backtest's defaults: a replay and a backtest agree
    assert config.fees == ZerodhaFees()
    assert config.fees == BacktestConfig().fees and config.slippage == BacktestConfig().slippage


def test_the_sample_loads_both_brokers_settings_and_the_risk_limits() -> None:
    settings = _settings()
    with pytest.raises(InvalidInput, match="KITE_API_KEY"):  # blank in the sample: to be filled in
        kite_config_from_env(settings)
    settings |= {"KITE_API_KEY": "sample-kite-key-0001", "UPSTOX_API_KEY": "sample-upstox-key-0001"}
    kite = kite_config_from_env(settings)
    assert (kite.api_root, kite.ws_root) == ("https://api.kite.trade", "wss://ws.kite.trade")
    upstox = upstox_config_from_env(settings)
    assert upstox.api_host == "https://api.upstox.com"
    assert upstox.ws_url.startswith("wss://")
    risk_limits_from_env(settings)  # every limit blank or a number: no InvalidInput
