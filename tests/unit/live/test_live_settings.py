"""``vyapari live`` settings: risk limits from the environment, lots and freeze quantities from the lake."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from tests.unit.instruments.master_fakes import upstox_json

from vyapari.core.errors import InvalidInput
from vyapari.core.time import IST
from vyapari.data.storage import LocalObjectStore
from vyapari.instruments import InstrumentSnapshots
from vyapari.live.config import LiveRunConfig
from vyapari.live.risk import RiskLimits, risk_limits_from_env
from vyapari.live.runner import instrument_limits


def test_risk_limits_come_from_the_environment_and_blank_disables() -> None:
    limits = risk_limits_from_env({
        "DAILY_LOSS_LIMIT_INR": "25,000", "RISK_MAX_ORDER_VALUE_INR": "200000.50",
        "RISK_MAX_POSITION": "500", "RISK_PRICE_BAND": "0.05", "RISK_MAX_ORDERS_PER_MINUTE": "",
    })
    assert limits == RiskLimits(
        max_daily_loss_inr=Decimal("25000"), max_order_value_inr=Decimal("200000.50"),
        max_position=500, price_band=0.05,
    )
    assert risk_limits_from_env({}) == RiskLimits()


@pytest.mark.parametrize("value", ["ten", "-5", "0"])
def test_a_bad_risk_setting_names_the_variable(value: str) -> None:
    with pytest.raises(InvalidInput, match="DAILY_LOSS_LIMIT_INR"):
        risk_limits_from_env({"DAILY_LOSS_LIMIT_INR": value})


def _config(lake: Path | None, on: date, broker: str, symbols: list[str]) -> LiveRunConfig:
    return LiveRunConfig("sma_cross_bar", Path("state"), {"BROKER": broker}, symbols=tuple(symbols),
                         lake=lake, ready_at=datetime.combine(on, time(8, 45), tzinfo=IST))


def test_lots_and_freeze_quantities_come_from_todays_snapshot(tmp_path: Path) -> None:
    items = json.loads(upstox_json(4))
    items[1]["freeze_quantity"] = 5000.0  # STOCK0
    items[2]["lot_size"] = 3  # STOCK1 (hand-made, to see the lot reach the engine)
    assert InstrumentSnapshots(LocalObjectStore(tmp_path)).publish(
        "upstox", date(2026, 1, 2), json.dumps(items).encode()
    ).ok
    symbols = ["STOCK0", "STOCK1", "UNLISTED"]
    lots, freeze = instrument_limits(_config(tmp_path, date(2026, 1, 5), "upstox", symbols), symbols)
    assert lots is not None and freeze is not None
    assert lots.tolist() == [1, 3, 1]
    assert freeze.tolist() == [5000, 0, 0]


def test_paper_or_no_lake_means_lot_one_and_no_slicing(tmp_path: Path) -> None:
    on = date(2026, 1, 5)
    assert instrument_limits(_config(tmp_path, on, "paper", ["STOCK0"]), ["STOCK0"]) == (None, None)
    assert instrument_limits(_config(None, on, "upstox", ["STOCK0"]), ["STOCK0"]) == (None, None)


def test_warm_up_compiles_a_vectorised_strategys_kernels_before_the_session() -> None:
    """In a fresh interpreter (nothing compiled yet): the kernel has a compiled signature afterwards."""
    import subprocess
    import sys

    probe = (
        "from vyapari.strategies import _kernels as k; before = len(k.vwap_reversion_weights.signatures); "
        "from vyapari.live.runner import warm_up; from vyapari.strategies import make_strategy; "
        "took = warm_up(make_strategy, 'vwap_reversion', {}); "
        "print(before, len(k.vwap_reversion_weights.signatures), took >= 0)"
    )
    import os

    env = dict(os.environ, VYAPARI_KERNELS="jit")  # the JIT's signatures (the compiled module has none)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.split() == ["0", "1", "True"]
