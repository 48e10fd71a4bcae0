"""Moto fixtures of the API integration tests: credentials, region and the API's DynamoDB tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

REGION = "ap-south-1"
TABLES = {"REGISTRY_TABLE": "vyapari-registry", "ORDERS_TABLE": "vyapari-orders",
          "POSITIONS_TABLE": "vyapari-positions", "TRADES_TABLE": "vyapari-trades",
          "CONNECTIONS_TABLE": "vyapari-connections"}


def create_api_tables(dynamodb: Any) -> None:
    """Create the API's tables (``pk``/``sk`` strings, on demand) through ``dynamodb``."""
    for name in TABLES.values():
        dynamodb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}])


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A moto account with the API's tables; the environment names them (backend ``aws``)."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "VYAPARI_API_BACKEND": "aws",
                       **TABLES}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        create_api_tables(boto3.client("dynamodb", region_name=REGION))
        yield {"region": REGION, **TABLES}
