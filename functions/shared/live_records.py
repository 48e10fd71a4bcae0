"""The live service's API records in AWS: :class:`~vyapari.api.live_records.LiveRecords` on the DynamoDB
tables the REST API reads (``ORDERS_TABLE``, ``POSITIONS_TABLE``, ``TRADES_TABLE``), off the trading
thread.

:class:`~functions.shared.queued_publisher.QueuedPublisher` runs them on a daemon thread behind a
bounded queue, so a DynamoDB write (milliseconds) never delays a slice. When the queue is full the
message is dropped and counted (``live_records_dropped_total``); the next message of the same order
carries its state, but a dropped fill is not recorded. A failure inside the publisher is logged with
its error type and counted (``live_records_errors_total``), never raised.

Composed in the live service (``functions/live_service/ports.py``) as
``QueuedPublisher(LiveRecords(..., forward=WebSocketPublisher))``: records first, then the WebSocket
fan-out (itself queued on its own thread).
"""

from __future__ import annotations

from functions.shared.api_store import DynamoRecordStore
from functions.shared.queued_publisher import QueuedPublisher
from vyapari.api.live_records import LiveRecords, RecordStores
from vyapari.live.ports import Metrics, Publisher


def dynamodb_record_stores(orders_table: str, positions_table: str, trades_table: str) -> RecordStores:
    """The API's record tables (keyed ``pk``/``sk``) as :class:`RecordStores`."""
    return RecordStores(DynamoRecordStore(orders_table), DynamoRecordStore(positions_table),
                        DynamoRecordStore(trades_table))


def live_records_publisher(stores: RecordStores, mode: str, forward: Publisher | None = None, *,
                           metrics: Metrics | None = None) -> QueuedPublisher:
    """:class:`LiveRecords` in ``mode`` forwarding to ``forward``, on its own thread."""
    return QueuedPublisher(LiveRecords(stores, mode, forward, metrics=metrics), metrics=metrics)
