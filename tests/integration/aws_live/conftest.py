"""Moto fixtures of the live-service AWS adapters: credentials, region, the order-state table.

The fake broker servers of ``tests/integration/brokers`` import each other as top-level modules
(``fake_http``), so that folder goes on ``sys.path`` here, as pytest does for its own tests.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

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
