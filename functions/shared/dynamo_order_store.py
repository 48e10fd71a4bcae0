"""DynamoDB implementation of the live engine's :class:`~vyapari.live.store.OrderStateStore` port.

One table keyed ``pk`` (S) / ``sk`` (S), like the other keyed tables of the stage. Items:

=========================  ==============  ====================================================
``pk``                     ``sk``          holds
=========================  ==============  ====================================================
``intent#<cid>``           ``intent``      the current intent: ``body`` (its JSON), ``run_id``,
                                           ``seq``, ``state``, ``state_rank``, ``filled``
``run#<run_id>``           ``<seq:020d>``  ``client_order_id``: a run's intents in insertion order
``runs``                   ``<run_id>``    one item per run (``intents()`` without a run)
``kv``                     ``<key>``       ``value``: kill switch, checkpoints, loss breaches
``meta``                   ``seq``         the insertion counter (atomic ``ADD``)
=========================  ==============  ====================================================

Writes return only once DynamoDB has acknowledged them, i.e. stored durably in several
Availability Zones, so an intent ``put`` before an order is sent survives a crash of the task.
Every read is strongly consistent (``ConsistentRead``): a restarted task sees the last write.

Stale writers: an intent may only move forward. A ``put`` is refused with
:class:`StaleIntentWrite` when it would lower the filled quantity, or lower the state's rank
(:attr:`~vyapari.model.intents.IntentState.rank`: ``PENDING`` 0 < ``SUBMITTED`` 1 <
``PARTIALLY_FILLED`` 2 < closed states 3) at the same filled
quantity. A late trade on a cancelled order (more units filled) is progress and is accepted.
The check is a DynamoDB condition expression, so it also holds between processes (an old task
still running next to its replacement, or ``vyapari live kill`` next to the service).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from vyapari.live.store import intent_from_json, intent_to_json
from vyapari.model.intents import IntentState, OrderIntent

CLIENT_CONFIG = Config(
    connect_timeout=2, read_timeout=5, retries={"max_attempts": 8, "mode": "standard"}
)
"""Bounded time-outs (seconds) and the standard retry mode (throttling, 5xx) for every call."""

_BATCH = 100  # BatchGetItem's limit
_TRANSACTION = 100  # TransactWriteItems' limit
_SEQ_WIDTH = 20
_NEWER = (
    "attribute_not_exists(pk) OR filled < :filled OR (filled = :filled AND state_rank <= :rank)"
)


_Write = tuple[dict[str, Any], OrderIntent | None]
"""One item of a transaction and the intent it stores (None for an index entry)."""


class StaleIntentWrite(RuntimeError):
    """A ``put`` that would move an intent backwards (another writer already stored newer news)."""

    def __init__(self, client_order_id: str, state: IntentState, filled: int) -> None:
        super().__init__(
            f"intent {client_order_id}: refusing to store {state.value} with {filled} filled over a "
            "newer stored state; this writer is stale (another process has moved the order on)"
        )
        self.client_order_id = client_order_id


def condition_failed(exc: ClientError) -> bool:
    """True when a conditional write (or a transaction item's condition) was refused."""
    code = exc.response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    if code == "TransactionCanceledException":
        reasons = exc.response.get("CancellationReasons") or []
        return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons)
    return False


class DynamoDbOrderStateStore:
    """Intents and key-values on one DynamoDB table (layout in the module docstring).

    Parameters
    ----------
    table_name : str
        An existing table with string keys ``pk`` and ``sk`` (``ORDER_STATE_TABLE``).
    resource : optional
        A boto3 DynamoDB service resource (tests, or one with an explicit endpoint).
    """

    def __init__(self, table_name: str, *, resource: Any = None) -> None:
        if not table_name:
            raise ValueError("ORDER_STATE_TABLE is not set: the order-state table name is required")
        self.resource = resource or boto3.resource("dynamodb", config=CLIENT_CONFIG)
        self.table = self.resource.Table(table_name)
        self.table_name = table_name
        self._lock = threading.Lock()
        self._known: dict[str, tuple[str, int]] = {}  # client_order_id -> (run_id, seq) stored

    def __repr__(self) -> str:
        return f"DynamoDbOrderStateStore({self.table_name!r})"

    # ----- intents ----------------------------------------------------------------
    def put(self, intent: OrderIntent) -> None:
        """Insert or move ``intent`` forward; durable when this returns.

        Raises :class:`StaleIntentWrite` when the stored intent is further along (see the module
        docstring) and ``ValueError`` when ``run_id`` differs from the stored one. An intent this
        store has already seen costs one conditional write; a new one a read, a counter update and
        a transaction of three puts.
        """
        cid = intent.client_order_id
        with self._lock:
            known = self._known.get(cid)
            if known is None:
                stored = self._get_item(cid)
                if stored is None and self._insert(intent):
                    return
                stored = stored or self._get_item(cid)
                if stored is None:  # pragma: no cover - inserted by another writer, then deleted
                    raise RuntimeError(f"intent {cid} vanished while being written")
                known = self._remember(stored)
            run_id, seq = known
            if run_id != intent.run_id:
                raise ValueError(f"intent {cid} belongs to run {run_id!r}, not {intent.run_id!r}")
            self._update(intent, seq)

    def put_many(self, intents: Sequence[OrderIntent]) -> None:
        """:meth:`put` each of ``intents`` (the last of each id) in a few round trips, not three each.

        One batch read of the ids this store has not seen yet, one counter update for the new
        ones, then transactions of up to 100 writes, every write with :meth:`put`'s condition.
        A transaction another writer raced (a condition failed: nothing of it was written) is
        redone one :meth:`put` at a time, which raises as :meth:`put` does.
        """
        latest = list({i.client_order_id: i for i in intents}.values())
        if len(latest) <= 1:
            for intent in latest:
                self.put(intent)
            return
        with self._lock:
            unseen = [i.client_order_id for i in latest if i.client_order_id not in self._known]
        if unseen:
            self._bodies(unseen)  # remembers the ones already stored
        for chunk in self._transactions(latest):
            try:
                self.resource.meta.client.transact_write_items(TransactItems=[w for w, _ in chunk])
            except ClientError as exc:
                if not condition_failed(exc):
                    raise
                for intent in dict.fromkeys(i for _, i in chunk if i is not None):
                    self.put(intent)
                continue
            with self._lock:
                for write, written in chunk:
                    if written is not None:
                        seq = int(write["Put"]["Item"]["seq"])
                        self._known[written.client_order_id] = (written.run_id, seq)

    def _transactions(self, intents: Sequence[OrderIntent]) -> list[list[_Write]]:
        """The writes of ``intents`` in transactions of at most 100: a new intent with its run
        index (and its run's entry) in the same one, a known intent as a conditional update."""
        with self._lock:
            stored = {i.client_order_id: self._known.get(i.client_order_id) for i in intents}
        count = sum(1 for v in stored.values() if v is None)
        seq = self._next_seq(count) - count if count else 0
        chunks: list[list[_Write]] = [[]]
        runs: set[str] = set()  # runs entered in the current chunk
        for intent in intents:
            known = stored[intent.client_order_id]
            if known is None:
                seq += 1
                unit = self._insert_writes(intent, seq)
            elif known[0] != intent.run_id:
                cid = intent.client_order_id
                raise ValueError(f"intent {cid} belongs to run {known[0]!r}, not {intent.run_id!r}")
            else:
                unit = [(self._update_write(intent, known[1]), intent)]
            enters_run = known is None and intent.run_id not in runs
            if len(chunks[-1]) + len(unit) + enters_run > _TRANSACTION:
                chunks.append([])
                runs = set()
                enters_run = known is None
            if enters_run:
                unit.append((self._put({"pk": "runs", "sk": intent.run_id}), None))
                runs.add(intent.run_id)
            chunks[-1].extend(unit)
        return [c for c in chunks if c]

    def _put(self, item: dict[str, Any], **condition: Any) -> dict[str, Any]:
        return {"Put": {"TableName": self.table_name, "Item": item, **condition}}

    def _insert_writes(self, intent: OrderIntent, seq: int) -> list[_Write]:
        """A new intent (only if absent) and its entry in the run's index."""
        cid = intent.client_order_id
        index = {"pk": f"run#{intent.run_id}", "sk": f"{seq:0{_SEQ_WIDTH}d}", "client_order_id": cid}
        return [
            (self._put(self._item(intent, seq), ConditionExpression="attribute_not_exists(pk)"), intent),
            (self._put(index), None),
        ]

    def _update_write(self, intent: OrderIntent, seq: int) -> dict[str, Any]:
        """A known intent, only if this moves it forward (see the module docstring)."""
        item = self._item(intent, seq)
        values = {":filled": item["filled"], ":rank": item["state_rank"]}
        return self._put(item, ConditionExpression=_NEWER, ExpressionAttributeValues=values)

    def _remember(self, item: dict[str, Any]) -> tuple[str, int]:
        known = (str(item["run_id"]), int(item["seq"]))
        self._known[str(item["pk"]).removeprefix("intent#")] = known
        return known

    def _item(self, intent: OrderIntent, seq: int) -> dict[str, Any]:
        return {
            "pk": f"intent#{intent.client_order_id}",
            "sk": "intent",
            "run_id": intent.run_id,
            "seq": seq,
            "state": intent.state.value,
            "state_rank": intent.state.rank,
            "filled": intent.filled_quantity,
            "body": intent_to_json(intent),
        }

    def _insert(self, intent: OrderIntent) -> bool:
        """Write a new intent with its run index; False when another writer inserted it first."""
        seq = self._next_seq()
        writes = [w for w, _ in self._insert_writes(intent, seq)]
        writes.append(self._put({"pk": "runs", "sk": intent.run_id}))
        try:
            self.resource.meta.client.transact_write_items(TransactItems=writes)
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise
        self._known[intent.client_order_id] = (intent.run_id, seq)
        return True

    def _update(self, intent: OrderIntent, seq: int) -> None:
        item = self._item(intent, seq)
        try:
            self.table.put_item(
                Item=item,
                ConditionExpression=_NEWER,
                ExpressionAttributeValues={":filled": item["filled"], ":rank": item["state_rank"]},
            )
        except ClientError as exc:
            if condition_failed(exc):
                raise StaleIntentWrite(intent.client_order_id, intent.state, intent.filled_quantity) from None
            raise

    def _next_seq(self, count: int = 1) -> int:
        """Reserve ``count`` insertion numbers; returns the last (the first is ``last - count + 1``)."""
        response = self.table.update_item(
            Key={"pk": "meta", "sk": "seq"},
            UpdateExpression="ADD seq :n",
            ExpressionAttributeValues={":n": count},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["seq"])

    def _get_item(self, client_order_id: str) -> dict[str, Any] | None:
        key = {"pk": f"intent#{client_order_id}", "sk": "intent"}
        item: dict[str, Any] | None = self.table.get_item(Key=key, ConsistentRead=True).get("Item")
        return item

    def get(self, client_order_id: str) -> OrderIntent | None:
        """The intent with ``client_order_id`` or None (strongly consistent)."""
        item = self._get_item(client_order_id)
        if item is None:
            return None
        self._remember(item)
        return intent_from_json(str(item["body"]))

    def intents(self, run_id: str | None = None) -> list[OrderIntent]:
        """All intents (of ``run_id``), in insertion order."""
        runs = [run_id] if run_id is not None else [str(i["sk"]) for i in self._query("runs")]
        entries = sorted(
            (int(i["sk"]), str(i["client_order_id"])) for run in runs for i in self._query(f"run#{run}")
        )
        bodies = self._bodies([cid for _, cid in entries])
        return [intent_from_json(bodies[cid]) for _, cid in entries if cid in bodies]

    def _query(self, partition: str) -> Iterable[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": partition},
            "ConsistentRead": True,
        }
        while True:
            page = self.table.query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _bodies(self, client_order_ids: list[str]) -> dict[str, str]:
        """``client_order_id`` -> intent JSON, read in batches of 100 (strongly consistent)."""
        out: dict[str, str] = {}
        unique = list(dict.fromkeys(client_order_ids))
        for start in range(0, len(unique), _BATCH):
            keys = [{"pk": f"intent#{cid}", "sk": "intent"} for cid in unique[start : start + _BATCH]]
            request: dict[str, Any] = {self.table_name: {"Keys": keys, "ConsistentRead": True}}
            while request:
                response = self.resource.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self.table_name, []):
                    with self._lock:
                        self._remember(item)
                    out[str(item["pk"]).removeprefix("intent#")] = str(item["body"])
                request = response.get("UnprocessedKeys") or {}
        return out

    # ----- key-values -------------------------------------------------------------
    def get_value(self, key: str) -> str | None:
        """The value under ``key`` or None (strongly consistent)."""
        item = self.table.get_item(Key={"pk": "kv", "sk": key}, ConsistentRead=True).get("Item")
        return None if item is None else str(item["value"])

    def set_value(self, key: str, value: str | None) -> None:
        """Store ``value`` under ``key`` durably (None deletes it)."""
        if value is None:
            self.table.delete_item(Key={"pk": "kv", "sk": key})
        else:
            self.table.put_item(Item={"pk": "kv", "sk": key, "value": value})

