"""The live engine's guards, each a plain object with explicit inputs: the kill switch as last
read (:class:`KillSwitch`), the day's loss limit (:class:`DailyLoss`) and the readiness gate's
refusals (:class:`ReadinessBlocks`). The engine acts on what they say (refuse, cancel, square off).
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from vyapari.core.time import NS_PER_MINUTE, NS_PER_SECOND
from vyapari.live.ports import Metrics
from vyapari.live.risk import RiskGate, kill_switch_state
from vyapari.live.store import OrderStateStore
from vyapari.readiness import ReadinessGate
from vyapari.readiness.errors import NotReady

log = logging.getLogger("vyapari.live.engine")


class KillSwitch:
    """The kill switch in ``store``, read between decisions and acted on at a decision.

    ``poll_s``: seconds of the engine's clock between reads. ``engaged`` is the state as last
    read, ``killed`` whether the engine acts on it (set at the first decision after it engaged).
    """

    def __init__(self, store: OrderStateStore, metrics: Metrics, poll_s: float) -> None:
        self.store, self.metrics = store, metrics
        self.poll_ns = int(poll_s * NS_PER_SECOND)
        self.engaged = kill_switch_state(store) is not None  # as last read (see poll)
        self.due_ns = 0  # the clock (UTC ns) from which the switch is read again
        self.killed = False

    def poll(self, now_ns: int, minute_ns: int) -> None:
        """Read the switch from the store (``now_ns``: the engine's clock, UTC ns; ``minute_ns``:
        the start of the minute being built, -1 before the first).

        Called between decisions: on a tick that closes no minute, or on the timer, at most every
        ``poll_s`` of the clock, and never in the last second of the minute being built, so the read
        (a SQLite query, about 70 µs; a DynamoDB round trip in AWS) never delays the tick that
        closes a minute. A switch engaged at least ``poll_s`` + 1 s before a minute closes is
        therefore acted on at that slice's decision. A failed read keeps the last state, is logged
        and counted (``kill_switch_read_errors_total``), and is tried again at the next poll.
        """
        if minute_ns >= 0 and now_ns >= minute_ns + NS_PER_MINUTE - NS_PER_SECOND:
            return  # the minute's last second: its closing tick may come any moment
        self.due_ns = now_ns + self.poll_ns
        try:
            self.engaged = kill_switch_state(self.store) is not None
        except Exception:
            self.metrics.count("kill_switch_read_errors_total")
            log.exception("reading the kill switch failed; acting on the last read until the next poll")

    def decide(self) -> bool:
        """At a decision, on the switch as last read (no store read here): True when it was engaged
        since the last decision (the engine then refuses the slice's new orders, cancels open
        orders and squares off); released, new orders are accepted again."""
        if self.engaged and not self.killed:
            log.error("kill switch engaged: cancelling open orders and squaring off")
            self.metrics.count("kill_switch_total")
            self.killed = True
            return True
        if not self.engaged and self.killed:
            log.warning("kill switch reset: new orders accepted again")
            self.killed = False
        return False


class DailyLoss:
    """The day's loss limit of run ``run_id``: the day's starting equity (₹) and, once breached,
    a mark in ``store`` (so a restart the same day stays out of new entries) and ``risk``'s flag."""

    def __init__(self, store: OrderStateStore, run_id: str, risk: RiskGate, metrics: Metrics, capital: float):
        self.store, self.run_id, self.risk, self.metrics = store, run_id, risk, metrics
        self.day: date | None = None
        self.start_equity = capital  # ₹, the equity when the day's first slice was opened
        self._read: tuple[date, bool] | None = None  # a day's breach mark, read ahead by prepare()

    def prepare(self, session_date: date) -> None:
        """Read whether ``session_date``'s limit was already breached (a restart the same day) ahead
        of its first slice, so :meth:`open_day` needs no store read on that slice's decision path.
        Only this run writes the mark, and only after its day is open, so the read stays true."""
        self._read = (session_date, self.store.get_value(self._key(session_date)) is not None)

    def open_day(self, session_date: date, equity: float) -> None:
        """Start ``session_date`` at ``equity`` ₹ (nothing when it is already the day)."""
        if self.day != session_date:
            self.day, self.start_equity = session_date, equity
            read = self._read
            if read is None or read[0] != session_date:
                read = (session_date, self.store.get_value(self._key(session_date)) is not None)
            self.risk.daily_loss_breached = read[1]

    def breached_now(self, session_date: date, marked_equity: float) -> bool:
        """True when ``marked_equity`` (₹) breaches the limit for the first time today (recorded)."""
        was = self.risk.daily_loss_breached
        loss = marked_equity - self.start_equity
        if not self.risk.daily_loss_hit(loss) or was:
            return False
        log.error("daily loss limit breached (₹%.2f): squaring off, no new entries today", loss)
        self.store.set_value(self._key(session_date), "1")
        self.metrics.count("daily_loss_breaches_total")
        return True

    def _key(self, session_date: date) -> str:
        return f"daily_loss:{self.run_id}:{session_date}"


class ReadinessBlocks:
    """Refusals of new orders by a readiness gate: counted per refusal, logged once per change."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.blocking: str | None = None  # the readiness error currently blocking new orders

    def require(self, gate: ReadinessGate, now: datetime, instrument_id: str | None = None) -> None:
        """Raise ``gate``'s named error (a :class:`NotReady`) when it blocks new orders at ``now``.

        Every refusal counts ``readiness_blocks_total{error=<Name>}``; the log line is written
        once per change of error (blocked, blocked for another reason, ready again), not per order.
        Square-off and kill orders never come here: they reduce risk and are always sent. A stale
        feed blocks only orders for the silent instruments (``instrument_id``).
        """
        try:
            gate.require(now, instrument_id)
        except NotReady as exc:
            name = type(exc).__name__
            self.metrics.count("readiness_blocks_total", error=name)
            if name != self.blocking:
                log.error("new orders blocked by readiness [%s]: %s", name, exc)
                self.blocking = name
            raise
        if self.blocking is not None:
            log.warning("readiness restored (was %s): new orders accepted again", self.blocking)
            self.blocking = None
