"""The API's view of the live service's order-state store: the kill switch's wiring.

Locally the store is ``<live state dir>/orders.sqlite``, the file ``vyapari live --state-dir`` uses
(``VYAPARI_LIVE_STATE_DIR``, default ``<VYAPARI_API_STATE_DIR>/live``); in AWS it is the DynamoDB
table ``ORDER_STATE_TABLE`` the Fargate service uses. The store is opened on first use, so serving
other routes never creates the SQLite file or a DynamoDB client.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path

from functions.shared.api_settings import ApiSettings
from vyapari.api.kill_switch import KillSwitch
from vyapari.live.store import OrderStateStore
from vyapari.model.intents import OrderIntent


class LazyOrderStateStore:
    """An :class:`~vyapari.live.store.OrderStateStore` built by ``factory`` on first use."""

    def __init__(self, factory: Callable[[], OrderStateStore]) -> None:
        self._factory = factory

    @cached_property
    def store(self) -> OrderStateStore:
        """The real store."""
        return self._factory()

    def put(self, intent: OrderIntent) -> None:
        """Delegate to the real store."""
        self.store.put(intent)

    def put_many(self, intents: Sequence[OrderIntent]) -> None:
        """Delegate to the real store."""
        self.store.put_many(intents)

    def get(self, client_order_id: str) -> OrderIntent | None:
        """Delegate to the real store."""
        return self.store.get(client_order_id)

    def intents(self, run_id: str | None = None) -> list[OrderIntent]:
        """Delegate to the real store."""
        return self.store.intents(run_id)

    def get_value(self, key: str) -> str | None:
        """Delegate to the real store."""
        return self.store.get_value(key)

    def set_value(self, key: str, value: str | None) -> None:
        """Delegate to the real store."""
        self.store.set_value(key, value)


def live_folder(settings: ApiSettings) -> Path:
    """The local backend's live state folder (``vyapari live --state-dir``)."""
    return Path(settings.live_state_dir or Path(settings.need("state_dir")) / "live")


def order_state_store(settings: ApiSettings) -> OrderStateStore | None:
    """The live order-state store of ``settings`` (lazy), or None in AWS without ``ORDER_STATE_TABLE``."""
    if settings.backend == "local":
        folder = live_folder(settings)

        def sqlite() -> OrderStateStore:
            from vyapari.live.store import SqliteOrderStateStore

            return SqliteOrderStateStore(folder / "orders.sqlite")

        return LazyOrderStateStore(sqlite)
    if not settings.order_state_table:
        return None
    table = settings.order_state_table

    def dynamodb() -> OrderStateStore:
        from functions.shared.dynamo_order_store import DynamoDbOrderStateStore

        return DynamoDbOrderStateStore(table)

    return LazyOrderStateStore(dynamodb)


def build_kill_switch(settings: ApiSettings) -> KillSwitch | None:
    """The kill switch over :func:`order_state_store` (None when there is no store)."""
    store = order_state_store(settings)
    return None if store is None else KillSwitch(store)
