"""Moto fixtures of the live-service AWS adapters: credentials, region, the order-state table.

The fake broker servers of ``tests/integration/brokers`` import each other as top-level modules
(``fake_http``), so that folder goes on ``sys.path`` here, as pytest does for its own tests.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pytest
from moto import mock_aws

from vyapari.strategy.synthetic import random_walk_panel

REGION = "ap-south-1"
BROKER_FAKES = Path(__file__).resolve().parents[1] / "brokers"
if str(BROKER_FAKES) not in sys.path:
    sys.path.append(str(BROKER_FAKES))


def create_keyed_table(name: str) -> None:
    """A table keyed ``pk`` (S) / ``sk`` (S), as the CDK data stack creates them."""
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}])


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A moto account in ap-south-1 (fake credentials in the environment)."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION,
                       "AWS_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield {"region": REGION}


@pytest.fixture
def order_table(aws: dict[str, Any]) -> str:
    """The name of a fresh order-state table."""
    create_keyed_table("vyapari-test-order-state")
    return "vyapari-test-order-state"


@pytest.fixture
def task_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, str]], dict[str, str]]:
    """Sets a live task's environment: broker and paper settings of this machine dropped first."""

    def apply(values: dict[str, str]) -> dict[str, str]:
        for key in [k for k in list(os.environ) if k.startswith(("BROKER", "PAPER_", "KITE_"))]:
            monkeypatch.delenv(key)
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        return values

    return apply


@pytest.fixture
def day(tmp_path: Path) -> Path:
    """A recorded day: one minute-bar Parquet file per symbol (3 symbols, 200 bars)."""
    folder = tmp_path / "day"
    folder.mkdir()
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=200, seed=11)
    for n, symbol in enumerate(panel.symbols):
        columns = {c: getattr(panel, c)[:, n] for c in ("open", "high", "low", "close", "volume")}
        pd.DataFrame({"ts": panel.timestamps(), **columns}).to_parquet(folder / f"{symbol}.parquet")
    return folder
