"""The live kill switch through the API: read it, engage it (trader), reset it (admin).

The switch is one value in the live service's :class:`~vyapari.live.store.OrderStateStore` (the
SQLite file of the live state folder locally, the DynamoDB order-state table in AWS), written with
:mod:`vyapari.live.risk`'s own functions, so ``vyapari live kill|reset|status``, the API and the
running service share it. The service reads it every minute slice: once it is engaged, the service
cancels its open strategy orders, squares off every position with market orders and refuses new
orders until the switch is reset.

Engaging a switch that is already engaged keeps the first engagement (its reason and time), and
resetting a released switch does nothing; :attr:`KillSwitchChange.changed` says which happened. Who
engaged it is kept in the stored reason (``"<reason> (by <user> via API)"``), which is what
``vyapari live status`` shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from vyapari.live.risk import engage_kill_switch, kill_switch_state, reset_kill_switch
from vyapari.live.store import OrderStateStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KillSwitchState:
    """The switch: ``engaged``, with the stored ``reason`` and ``engaged_at`` (ISO 8601 IST) when it is."""

    engaged: bool
    reason: str | None = None
    engaged_at: str | None = None


@dataclass(frozen=True)
class KillSwitchChange:
    """The switch after a request, and whether the request changed it."""

    state: KillSwitchState
    changed: bool


class KillSwitch:
    """The kill switch of the live service whose order-state ``store`` this is.

    Parameters
    ----------
    store : OrderStateStore
        The live service's order-state store (the same one the engine checks every slice).
    clock : callable
        The current instant (tz-aware; stored in IST).
    """

    def __init__(self, store: OrderStateStore, clock: Callable[[], datetime] | None = None) -> None:
        from vyapari.api.registry import now_ist

        self.store = store
        self._clock = clock or now_ist

    def state(self) -> KillSwitchState:
        """The switch as stored now."""
        stored = kill_switch_state(self.store)
        if stored is None:
            return KillSwitchState(engaged=False)
        return KillSwitchState(True, stored.get("reason"), stored.get("engaged_at"))

    def set(self, engaged: bool, reason: str, by: str) -> KillSwitchChange:
        """Engage (``engaged`` True, with ``reason``) or reset the switch on behalf of user ``by``."""
        return self.engage(reason, by) if engaged else self.reset(by, reason)

    def engage(self, reason: str, by: str) -> KillSwitchChange:
        """Engage the switch unless it already is (the first engagement is kept)."""
        current = self.state()
        if current.engaged:
            return KillSwitchChange(current, changed=False)
        engage_kill_switch(self.store, f"{reason} (by {by} via API)", self._clock())
        log.warning("kill switch engaged by %s: %s", by, reason)
        return KillSwitchChange(self.state(), changed=True)

    def reset(self, by: str, reason: str = "") -> KillSwitchChange:
        """Release the switch (new orders are accepted again) on behalf of ``by``, logging ``reason``; a
        released switch is left alone."""
        if not self.state().engaged:
            return KillSwitchChange(KillSwitchState(engaged=False), changed=False)
        reset_kill_switch(self.store)
        log.warning("kill switch reset by %s: %s", by, reason or "no reason given")
        return KillSwitchChange(self.state(), changed=True)
