"""The live engine's guards and outputs: the kill switch, the daily loss limit, the readiness gate,
P&L and quote publishing, and the run summary. A mixin of :class:`~vyapari.live.engine.LiveEngine`, kept
apart so the engine module stays about the slice loop.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from vyapari.core.time import NS_PER_MINUTE, NS_PER_SECOND
from vyapari.live.bars import BarSlice
from vyapari.live.risk import RiskReason, RiskRejected, kill_switch_state
from vyapari.live.store import IntentState
from vyapari.readiness.errors import NotReady

log = logging.getLogger("vyapari.live.engine")


class GuardsMixin:
    """Needs the engine's ``store``, ``account``, ``orders``, ``risk``, ``config``, ``metrics``,
    ``publisher``, ``ctx``, ``instruments``, ``strategy``, ``builder``, ``readiness`` and ``flatten``."""

    store: Any
    account: Any
    orders: Any
    risk: Any
    config: Any
    metrics: Any
    publisher: Any
    ctx: Any
    instruments: Any
    strategy: Any
    builder: Any
    readiness: Any
    killed: bool
    _kill_engaged: bool
    _kill_due_ns: int
    slices: int
    _day_start: tuple[Any, float]
    _not_ready: str | None = None  # the readiness error currently blocking new orders

    def flatten(self, why: str, t: int) -> None:  # implemented by the engine
        raise NotImplementedError

    def _poll_kill_switch(self, now_ns: int) -> None:
        """Read the kill switch from the order store (``now_ns``: the engine's clock, UTC ns).

        Called between decisions: on a tick that closes no minute, or on the timer, at most every
        ``kill_switch_poll_s`` of the clock, and never in the last second of the minute being built,
        so the read (a SQLite query, about 70 µs; a DynamoDB round trip in AWS) never delays the
        tick that closes a minute. A switch engaged at least ``kill_switch_poll_s`` + 1 s before
        a minute closes is therefore acted on at that slice's decision. A failed read keeps the
        last state, is logged and counted (``kill_switch_read_errors_total``), and is tried again
        at the next poll.
        """
        minute = self.builder.minute_ns
        if minute >= 0 and now_ns >= minute + NS_PER_MINUTE - NS_PER_SECOND:
            return  # the minute's last second: its closing tick may come any moment
        self._kill_due_ns = now_ns + int(self.config.kill_switch_poll_s * NS_PER_SECOND)
        try:
            self._kill_engaged = kill_switch_state(self.store) is not None
        except Exception:
            self.metrics.count("kill_switch_read_errors_total")
            log.exception("reading the kill switch failed; acting on the last read until the next poll")

    def _check_kill_switch(self, t: int) -> None:
        """Act on the kill switch as last read (:meth:`_poll_kill_switch`; no store read here), once
        the slice's orders are decided and before they are written or sent: when it was engaged
        since the last decision, the slice's new orders are refused, open orders cancelled and
        positions squared off; while it stays engaged the risk gate refuses new orders as they are
        decided."""
        engaged = self._kill_engaged
        if engaged and not self.killed:
            log.error("kill switch engaged: cancelling open orders and squaring off")
            self.metrics.count("kill_switch_total")
            self.killed = True
            why = str(RiskRejected(RiskReason.KILL_SWITCH, "the kill switch is engaged"))
            refused = self.orders.block_staged(why)
            if refused:
                log.warning("kill switch: %d order(s) decided this slice refused", refused)
            self.flatten("kill", t)
        elif not engaged and self.killed:
            log.warning("kill switch reset: new orders accepted again")
            self.killed = False

    def _require_ready(self, instrument_id: str | None = None) -> None:
        """Raise the readiness gate's named error (a :class:`NotReady`) when it blocks new orders.

        Every refusal counts ``readiness_blocks_total{error=<Name>}``; the log line is written
        once per change of error (blocked, blocked for another reason, ready again), not per order.
        Square-off and kill orders never come here: they reduce risk and are always sent. A stale
        feed blocks only orders for the silent instruments (``instrument_id``). Called only when the
        engine has a gate (``readiness`` set).
        """
        try:
            self.readiness.require(self.ctx.now, instrument_id)
        except NotReady as exc:
            name = type(exc).__name__
            self.metrics.count("readiness_blocks_total", error=name)
            if name != self._not_ready:
                log.error("new orders blocked by readiness [%s]: %s", name, exc)
                self._not_ready = name
            raise
        if self._not_ready is not None:
            log.warning("readiness restored (was %s): new orders accepted again", self._not_ready)
            self._not_ready = None

    def _check_daily_loss(self, bar: BarSlice, t: int) -> None:
        if self._day_start[0] != bar.session_date:
            self._day_start = (bar.session_date, self.account.equity)
            self.risk.daily_loss_breached = (
                self.store.get_value(f"daily_loss:{self.config.run_id}:{bar.session_date}") is not None
            )
        if self.config.limits.max_daily_loss_inr is None:
            return
        marked = self.account.cash + float(
            self.account.pos @ np.where(bar.valid, bar.close, self.account.mark)
        )
        was = self.risk.daily_loss_breached
        if self.risk.daily_loss_hit(marked - self._day_start[1]) and not was:
            log.error(
                "daily loss limit breached (₹%.2f): squaring off, no new entries today",
                marked - self._day_start[1],
            )
            self.store.set_value(f"daily_loss:{self.config.run_id}:{bar.session_date}", "1")
            self.metrics.count("daily_loss_breaches_total")
            self.flatten("daily_loss", t)

    # ----- out -----------------------------------------------------------------------
    def _publish_slice(self, bar: BarSlice) -> None:
        equity = self.account.equity
        at = self.ctx.now.isoformat()
        self.publisher.publish(
            "quotes",
            {
                "at": at,
                "close": dict(
                    zip(
                        (self.instruments[n] for n in np.flatnonzero(bar.valid)),
                        bar.close[bar.valid].tolist(),
                        strict=True,
                    )
                ),
            },
        )
        self.publisher.publish(
            "pnl",
            {
                "at": at,
                "equity_inr": equity,
                "cash_inr": self.account.cash,
                "day_pnl_inr": equity - self._day_start[1],
            },
        )
        self.metrics.observe("pnl_inr", equity - self.config.capital_inr)

    def summary(self) -> dict[str, object]:
        """Orders by state, fills, positions and P&L (₹) of the run so far."""
        states: dict[str, int] = {}
        for intent in self.orders.intents.values():
            states[intent.state.value] = states.get(intent.state.value, 0) + 1
        final = self.account.final_equity()
        return {
            "run_id": self.config.run_id,
            "strategy": self.strategy.name,
            "slices": self.slices,
            "orders": states,
            "fills": len(self.account.portfolio.fills),
            "positions": {self.instruments[n]: int(q) for n, q in enumerate(self.account.pos) if q},
            "final_equity_inr": float(final),
            "pnl_inr": float(final) - self.config.capital_inr,
            "charges_inr": float(self.account.portfolio.charges_paid.total),
            "kill_switch": self.killed,
            "late_ticks": self.builder.late,
            "open_orders": sum(1 for i in self.orders.intents.values() if i.state is IntentState.PENDING),
        }
