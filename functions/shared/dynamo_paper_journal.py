"""DynamoDB implementation of the paper broker's journal port (``vyapari.brokers.paper.PaperJournal``).

The long-lived live service runs on Fargate, whose disk dies with the task; its order intents
are in DynamoDB (:mod:`functions.shared.dynamo_order_store`), so the paper broker's journal goes
there too, on the same order-state table (``pk`` (S) / ``sk`` (S)), in a partition of its own:

=========================  ==============  ====================================================
``pk``                     ``sk``          holds
=========================  ==============  ====================================================
``journal#<journal_id>``   ``<seq:020d>``  ``line``: one journal line (or a piece of it),
                                           ``more``: true on every piece of a line but its last,
                                           ``writer``: the id of the journal object that wrote it
=========================  ==============  ====================================================

``seq`` counts from 0 with no gaps. Each item is written with ``attribute_not_exists(pk)``, so two
tasks on one journal cannot interleave: the second to write a sequence number is refused with
:class:`JournalConflict` (a replaced task still running next to its successor stops journaling,
and the successor, which re-read the journal first, is the one that goes on). Writes return once
DynamoDB has acknowledged them (stored in several Availability Zones), so every line is durable:
``durable`` changes nothing here. Reads are strongly consistent and paginated.

Size: an item may hold 400 KB. A line longer than :data:`PIECE_BYTES` (UTF-8) is cut into pieces
written in one transaction (all or nothing, so no torn line is ever stored); a line longer than
:data:`MAX_LINE_BYTES` is refused with :class:`JournalLineTooLarge` before anything is written.
A slice line of 500 instruments is about 40 KB: one item. Cost: one write per order placed,
modified or cancelled and one per minute slice (bar by bar feeding writes one per bar).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import boto3
from botocore.exceptions import ClientError

from functions.shared.dynamo_order_store import CLIENT_CONFIG, condition_failed

PIECE_BYTES = 350_000
"""UTF-8 bytes of a line per item: 400 KB less the keys and attributes, with room to spare."""
MAX_PIECES = 10
"""Pieces of one line: one transaction (at most 100 items and 4 MB in all)."""
MAX_LINE_BYTES = PIECE_BYTES * MAX_PIECES
"""The longest line stored (3.5 MB in UTF-8)."""
_SEQ_WIDTH = 20
_NEW = "attribute_not_exists(pk)"


class JournalConflict(RuntimeError):
    """Another writer already stored the sequence number this journal meant to write."""

    def __init__(self, partition: str, seq: int) -> None:
        super().__init__(
            f"{partition}: entry {seq} was written by another writer; this journal is stale (another "
            "task is journaling the same paper account). Stop this task; a new one re-reads the journal"
        )
        self.partition, self.seq = partition, seq


class JournalLineTooLarge(ValueError):
    """A line longer than :data:`MAX_LINE_BYTES`."""

    def __init__(self, partition: str, size: int) -> None:
        super().__init__(
            f"{partition}: a journal line of {size:,} bytes is over the {MAX_LINE_BYTES:,}-byte limit "
            f"({MAX_PIECES} DynamoDB items of {PIECE_BYTES:,} bytes); nothing was written"
        )
        self.size = size


def pieces(line: str, size: int = PIECE_BYTES) -> list[str]:
    """``line`` cut into pieces of at most ``size`` UTF-8 bytes, never inside a character."""
    data = line.encode("utf-8")
    if len(data) <= size:
        return [line]
    out: list[str] = []
    start = 0
    while start < len(data):
        end = min(start + size, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a continuation byte: back off
            end -= 1
        out.append(data[start:end].decode("utf-8"))
        start = end
    return out


class DynamoDbPaperJournal:
    """A paper broker's journal in the ``journal#<journal_id>`` partition (see the module docstring).

    Parameters
    ----------
    table_name : str
        The order-state table (``ORDER_STATE_TABLE``): string keys ``pk`` and ``sk``.
    journal_id : str
        Names the paper account: tasks that must share one account (a task and its replacement)
        use the same id; a different id starts a new, empty account.
    resource : optional
        A boto3 DynamoDB service resource (tests, or one with an explicit endpoint).
    """

    def __init__(self, table_name: str, journal_id: str, *, resource: Any = None) -> None:
        if not table_name:
            raise ValueError("ORDER_STATE_TABLE is not set: the paper journal's table name is required")
        if not journal_id:
            raise ValueError("the paper journal needs a journal id (the paper account's name)")
        self.resource = resource or boto3.resource("dynamodb", config=CLIENT_CONFIG)
        self.table = self.resource.Table(table_name)
        self.table_name = table_name
        self.partition = f"journal#{journal_id}"
        self.writer = uuid.uuid4().hex
        self._lock = threading.Lock()
        self._next: int | None = None  # the next sequence number to write; None until known

    def __repr__(self) -> str:
        return f"DynamoDbPaperJournal({self.table_name!r}, {self.partition!r})"

    # ----- reading ----------------------------------------------------------------
    def read_all(self) -> Iterator[str]:
        """Every line, oldest first (strongly consistent, paginated); pieces are joined again."""
        held: list[str] = []
        last = -1
        for item in self._query():
            held.append(str(item["line"]))
            last = int(item["sk"])
            if not item.get("more"):
                yield "".join(held)
                held = []
        with self._lock:  # read to the end before any write: the next write follows the last entry
            if self._next is None:
                self._next = last + 1

    def _query(self, **extra: Any) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": self.partition},
            "ConsistentRead": True,
            **extra,
        }
        while True:
            page = self.table.query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page or "Limit" in extra:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _last_seq(self) -> int:
        newest = list(self._query(ScanIndexForward=False, Limit=1, ProjectionExpression="sk"))
        return int(newest[0]["sk"]) if newest else -1

    # ----- writing ----------------------------------------------------------------
    def append(self, lines: Sequence[str], *, durable: bool) -> None:
        """Store ``lines`` in order, one conditional write each (a transaction for a line in pieces).

        Raises :class:`JournalConflict` when another writer took the next sequence number and
        :class:`JournalLineTooLarge` for a line over :data:`MAX_LINE_BYTES` (nothing of it written).
        Every write is durable when it returns, whatever ``durable`` says.
        """
        split = [pieces(line) for line in lines]
        for line, parts in zip(lines, split, strict=True):
            if len(parts) > MAX_PIECES:
                raise JournalLineTooLarge(self.partition, len(line.encode("utf-8")))
        with self._lock:
            if self._next is None:
                self._next = self._last_seq() + 1
            for parts in split:
                self._write(self._next, parts)
                self._next += len(parts)

    def _item(self, seq: int, piece: str, more: bool) -> dict[str, Any]:
        item: dict[str, Any] = {
            "pk": self.partition,
            "sk": f"{seq:0{_SEQ_WIDTH}d}",
            "line": piece,
            "writer": self.writer,
        }
        if more:
            item["more"] = True
        return item

    def _write(self, seq: int, parts: list[str]) -> None:
        items = [self._item(seq + n, p, n < len(parts) - 1) for n, p in enumerate(parts)]
        try:
            if len(items) == 1:
                self.table.put_item(Item=items[0], ConditionExpression=_NEW)
            else:
                self.resource.meta.client.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": self.table_name, "Item": i, "ConditionExpression": _NEW}}
                        for i in items
                    ]
                )
        except ClientError as exc:
            if not condition_failed(exc):
                raise
            if not self._already_ours(items[0]):
                raise JournalConflict(self.partition, seq) from None
            # else a retried request whose first attempt was stored: the entry is ours already

    def _already_ours(self, item: dict[str, Any]) -> bool:
        key = {"pk": item["pk"], "sk": item["sk"]}
        stored = self.table.get_item(Key=key, ConsistentRead=True).get("Item") or {}
        return stored.get("writer") == self.writer and stored.get("line") == item["line"]

    def close(self) -> None:
        """Nothing is held open (every write is already stored)."""
