"""AWS implementations of the API's ports (DynamoDB records, Step Functions, WebSocket posts) and the
wiring of the API's services from :class:`~functions.shared.api_settings.ApiSettings`.

DynamoDB tables used by :class:`DynamoRecordStore` have a string partition key ``pk`` and a string sort
key ``sk``; a record is stored as its own attributes next to them (floats become ``Decimal``).

boto3 and every AWS client load on first use, not at a function's cold start (boto3's import and a
DynamoDB resource cost about 0.3-0.5 s of CPU): a WebSocket call that never touches a table does not pay.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from functions.shared.api_settings import ApiSettings
from vyapari.api.ports import (
    JsonFileRecordStore,
    Page,
    Record,
    RecordingStarter,
    RecordStore,
    StaleConnection,
    WorkflowStarter,
)
from vyapari.api.registry import Registry
from vyapari.data.storage import ObjectStore

if TYPE_CHECKING:
    from functions.shared.broker_login import BrokerLogin
    from vyapari.api.kill_switch import KillSwitch
    from vyapari.api.report_links import ReportLinks


def _error_code(exc: Exception) -> str | None:
    """The AWS error code of a botocore ``ClientError`` (None for other exceptions)."""
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def _client(service: str, **kwargs: Any) -> Any:
    import boto3

    return boto3.client(service, **kwargs)


def _to_dynamo(record: Record) -> dict[str, Any]:
    return dict(json.loads(json.dumps(record), parse_float=Decimal))


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items() if k not in ("pk", "sk")}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    return value


class DynamoRecordStore:
    """A :class:`~vyapari.api.ports.RecordStore` on a DynamoDB table keyed ``pk`` (S) / ``sk`` (S)."""

    def __init__(self, table_name: str, *, resource: Any = None) -> None:
        self.table_name, self._resource = table_name, resource

    @cached_property
    def table(self) -> Any:
        """The boto3 ``Table``, made on first use."""
        if self._resource is None:
            import boto3

            self._resource = boto3.resource("dynamodb")
        return self._resource.Table(self.table_name)

    def get(self, partition: str, key: str) -> Record | None:
        """The record, or ``None`` (strongly consistent read)."""
        item = self.table.get_item(Key={"pk": partition, "sk": key}, ConsistentRead=True).get("Item")
        return _from_dynamo(item) if item is not None else None

    def put(self, partition: str, key: str, record: Record, *, if_absent: bool = False) -> bool:
        """Put the item; with ``if_absent`` conditionally on no item existing."""
        extra = {"ConditionExpression": "attribute_not_exists(pk)"} if if_absent else {}
        try:
            self.table.put_item(Item={**_to_dynamo(record), "pk": partition, "sk": key}, **extra)
        except Exception as exc:
            if _error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def delete(self, partition: str, key: str) -> None:
        """Delete the item (absent items are ignored by DynamoDB)."""
        self.table.delete_item(Key={"pk": partition, "sk": key})

    def query(self, partition: str, *, limit: int, after: str | None = None) -> Page:
        """One page of the partition in ``sk`` order."""
        from boto3.dynamodb.conditions import Key

        condition = Key("pk").eq(partition)
        if after is not None:
            condition = condition & Key("sk").gt(after)
        response = self.table.query(KeyConditionExpression=condition, Limit=limit, ConsistentRead=True)
        last = response.get("LastEvaluatedKey")
        return Page([_from_dynamo(i) for i in response.get("Items", [])], last["sk"] if last else None)


class StepFunctionsStarter:
    """A :class:`~vyapari.api.ports.WorkflowStarter` calling ``StartExecution`` on one state machine."""

    def __init__(self, state_machine_arn: str, *, client: Any = None) -> None:
        self.arn, self._client = state_machine_arn, client

    @cached_property
    def client(self) -> Any:
        """The Step Functions client, made on first use."""
        return self._client or _client("stepfunctions")

    def start(self, name: str, payload: Record) -> str:
        """Start (or find) the execution ``name``; returns its ARN."""
        try:
            response = self.client.start_execution(stateMachineArn=self.arn, name=name,
                                                   input=json.dumps(payload, sort_keys=True))
        except Exception as exc:
            if _error_code(exc) != "ExecutionAlreadyExists":
                raise
            return f"{self.arn.replace(':stateMachine:', ':execution:', 1)}:{name}"
        return str(response["executionArn"])


class ApiGatewayPoster:
    """A :class:`~vyapari.api.ports.ConnectionPoster` on the API Gateway Management API."""

    def __init__(self, endpoint_url: str, *, client: Any = None) -> None:
        self.endpoint_url, self._client = endpoint_url, client

    @cached_property
    def client(self) -> Any:
        """The API Gateway Management API client, made on first use."""
        return self._client or _client("apigatewaymanagementapi", endpoint_url=self.endpoint_url)

    def post(self, connection_id: str, data: bytes) -> None:
        """``PostToConnection``; ``GoneException`` becomes :class:`StaleConnection`."""
        try:
            self.client.post_to_connection(ConnectionId=connection_id, Data=data)
        except Exception as exc:
            if _error_code(exc) == "GoneException":
                raise StaleConnection(connection_id) from exc
            raise


class LazyObjectStore:
    """An object store built on first use (keeps S3/pyarrow imports out of a cold start)."""

    def __init__(self, factory: Callable[[], ObjectStore]) -> None:
        self._factory = factory

    @cached_property
    def store(self) -> ObjectStore:
        """The real store."""
        return self._factory()

    def get(self, key: str) -> bytes:
        """Delegate to the real store."""
        return self.store.get(key)

    def list(self, prefix: str) -> list[str]:
        """Delegate to the real store."""
        return self.store.list(prefix)

    def exists(self, key: str) -> bool:
        """Delegate to the real store."""
        return self.store.exists(key)

    def put(self, key: str, data: bytes) -> None:
        """Delegate to the real store."""
        self.store.put(key, data)

    def put_atomic(self, key: str, data: bytes) -> None:
        """Delegate to the real store."""
        self.store.put_atomic(key, data)

    def delete(self, key: str) -> None:
        """Delegate to the real store."""
        self.store.delete(key)


@dataclass
class ApiServices:
    """What the API routes use: the registry, the live service's tables, the lake, the broker login
    (``None`` where no secrets store is configured), the live kill switch (``None`` without an
    order-state store), locally the check that a session runs to take a manual order, and the maker of
    short-lived tear-sheet links (``None`` where none can be signed)."""

    registry: Registry
    orders: RecordStore
    positions: RecordStore
    trades: RecordStore
    lake: ObjectStore
    login: BrokerLogin | None = None
    kill_switch: KillSwitch | None = None
    order_gate: Callable[[str], None] | None = None  # raises when no session would take a manual order
    report_links: ReportLinks | None = None


def _lake(settings: ApiSettings) -> ObjectStore:
    """The lake of ``LAKE_URI``, built by the workflow functions' builder (S3 or a folder)."""
    from functions.shared.lake_store import build_store
    from functions.shared.settings import Settings

    return build_store(Settings(lake_uri=settings.need("lake_uri")))


def records(settings: ApiSettings, table_setting: str) -> RecordStore:
    """The record store of one table setting (a JSON file per table in the local backend)."""
    if settings.backend == "local":
        return JsonFileRecordStore(Path(settings.need("state_dir")) / f"{table_setting}.json")
    return DynamoRecordStore(settings.need(table_setting))


def build_login(settings: ApiSettings) -> BrokerLogin | None:
    """The broker login: Secrets Manager under ``VYAPARI_SECRETS_PREFIX`` and login states in
    ``LOGIN_STATE_TABLE`` in AWS (None without a secrets prefix); locally the secrets file
    (``VYAPARI_SECRETS_FILE``, default ``~/.vyapari/secrets.json``) and states in the state folder."""
    from functions.shared.broker_login import BrokerLogin, broker_settings

    require = settings.requires_broker_user_id
    if settings.backend == "local":
        from vyapari.brokers.factory import secrets_store_from_settings
        from vyapari.brokers.login_state import FileLoginStates

        store = secrets_store_from_settings({"VYAPARI_SECRETS_FILE": settings.secrets_file})
        states = FileLoginStates(settings.need("state_dir"))
        return BrokerLogin(store, broker_settings(os.environ), states=states, require_user_id=require)
    if not settings.secrets_prefix:
        return None
    from functions.shared.login_states import DynamoLoginStates
    from functions.shared.secrets_manager_store import SecretsManagerSecretsStore

    table = settings.login_state_table
    return BrokerLogin(SecretsManagerSecretsStore(settings.secrets_prefix, max_age_s=0),
                       broker_settings(os.environ), states=DynamoLoginStates(table) if table else None,
                       require_user_id=require)


def build_report_links(settings: ApiSettings) -> ReportLinks | None:
    """Tear-sheet links: signed local paths (local backend, with a token secret), presigned S3 GETs
    (an ``s3://`` lake), else ``None`` (a local lake behind the ``aws`` wiring cannot be linked to)."""
    if settings.backend == "local":
        from vyapari.api.report_links import LocalReportLinks

        return LocalReportLinks(settings.token_secret.encode()) if settings.token_secret else None
    if not settings.lake_uri.startswith("s3://"):
        return None
    from functions.shared.report_links import S3ReportLinks

    bucket, _, prefix = settings.lake_uri.removeprefix("s3://").partition("/")
    return S3ReportLinks(bucket, prefix, settings.region or os.environ.get("AWS_DEFAULT_REGION", ""))


def build_services(settings: ApiSettings) -> ApiServices:
    """Wire the services of the REST API for ``settings.backend``.

    Locally the orders, positions and trades are those ``vyapari live --state-dir`` writes into the
    live state folder (:mod:`vyapari.api.local_live`), and a manual order needs a running session.
    """
    from functions.shared.api_live import build_kill_switch, live_folder  # REST only, not WebSocket

    lake = LazyObjectStore(lambda: _lake(settings))
    if settings.backend == "local":
        from vyapari.api.local_live import LIVE_DB, LiveDatabase, record_stores, session_gate
        from vyapari.api.local_runs import LocalRunStarter

        folder, runs = live_folder(settings), records(settings, "registry_table")
        live = record_stores(LiveDatabase(folder / LIVE_DB))
        workers = int(settings.run_workers or 0)
        starter: WorkflowStarter = (LocalRunStarter(runs, Path(settings.lake_uri), workers=workers)
                                    if workers > 0 else RecordingStarter())
        # executing here, a strategy may be the user's own file; recording starts only, it may not
        return ApiServices(Registry(runs, starter, lake, portable=workers == 0), live.orders, live.positions,
                           live.trades, lake, build_login(settings), build_kill_switch(settings),
                           session_gate(folder) if settings.session_gate == "1" else None,
                           build_report_links(settings))
    starter = StepFunctionsStarter(settings.need("state_machine_arn"))
    registry = Registry(records(settings, "registry_table"), starter, lake)
    return ApiServices(registry, records(settings, "orders_table"), records(settings, "positions_table"),
                       records(settings, "trades_table"), lake, build_login(settings),
                       build_kill_switch(settings), report_links=build_report_links(settings))
