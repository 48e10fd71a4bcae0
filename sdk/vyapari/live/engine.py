"""The live engine: ticks → minute slices → the same Strategy as the backtest → orders.

Per finished slice: open phase (reconcile, the minute to the venue, book its trades), decide
(strategy, risk gate, kill switch as last read, one durable batch of intents, then send),
MIS square-off at 15:20 IST, mark and checkpoint, periodic reconciliation. After a restart,
slices up to the checkpoint are replayed and matched to stored intents, never sent again.
Orders go to one typed :class:`~vyapari.brokers.venue.Venue` (a real broker or the paper
broker alike); the guards are plain objects (:mod:`vyapari.live.guards`). The step-by-step design
is in ``docs/live-engine.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

import numpy as np

from vyapari.brokers.fills import trade_to_fill
from vyapari.brokers.types import BrokerOrder, BrokerTrade, MinuteBars, Tick
from vyapari.brokers.venue import Venue, VenueUpdate
from vyapari.core.deferred_log import deferred
from vyapari.core.ids import client_order_id, instrument_id
from vyapari.core.time import IST_OFFSET_NS, NS_PER_MINUTE, ist_from_ns
from vyapari.costs.base import FeeModel
from vyapari.costs.spec import fee_model_from_spec
from vyapari.execution.limits import SQUAREOFF_MINUTE
from vyapari.live.bars import BarSlice, MinuteBarBuilder, SessionTable
from vyapari.live.collector import SliceCollector
from vyapari.live.context import LiveAccount, LiveContext
from vyapari.live.guards import DailyLoss, KillSwitch, ReadinessBlocks
from vyapari.live.history import BarHistory
from vyapari.live.messages import fill_message
from vyapari.live.orders import OrderManager
from vyapari.live.ports import InMemoryMetrics, ManualOrder, Metrics, NullPublisher, OrderInbox, Publisher
from vyapari.live.risk import RiskGate, RiskInputs, RiskLimits, RiskReason, RiskRejected
from vyapari.live.sliced import freeze_by_instrument
from vyapari.live.store import OrderStateStore
from vyapari.model.enums import Exchange, OrderType, ProductType, Side
from vyapari.model.events import Fill
from vyapari.model.intents import IntentKind, IntentState, OrderIntent, order_status
from vyapari.model.orders import Order
from vyapari.readiness import NotReady, ReadinessGate
from vyapari.strategy.orders import OrderRequest
from vyapari.strategy.signals import VectorSignal
from vyapari.strategy.strategy import Strategy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveConfig:
    """How a live run trades (validated once).

    Attributes
    ----------
    run_id : str
        Names the deployment; part of every ``client_order_id`` and of the checkpoint key.
    capital_inr : float
        Starting cash in ₹ of the engine's own ledger (the paper broker's capital for paper).
    fees : FeeModel or str
        Charges booked on every fill (``"zerodha"``, ``"bps:3"``, ...), as the backtest's; a
        trade that arrives with the broker's own charges (the paper broker's, priced by its fee
        model: ``vyapari live`` gives both the same one) is booked with those.
    exchange : Exchange
        Where the symbols trade.
    limits : RiskLimits
        Pre-trade limits.
    squareoff_minute : int
        MIS square-off time, minutes after midnight IST (15:20 = 920).
    reconcile_every : int
        Slices between reconciliations with the broker's books.
    kill_switch_poll_s : float
        Seconds of the engine's clock between reads of the kill switch from the order store
        (on a tick that closes no minute, or the timer; never in a minute's last second).
    """

    run_id: str
    capital_inr: float = 1_000_000.0
    fees: FeeModel | str = "zerodha"
    exchange: Exchange = Exchange.NSE
    limits: RiskLimits = field(default_factory=RiskLimits)
    squareoff_minute: int = SQUAREOFF_MINUTE
    reconcile_every: int = 15
    kill_switch_poll_s: float = 1.0

    def __post_init__(self) -> None:
        if not self.kill_switch_poll_s > 0:
            raise ValueError(f"kill_switch_poll_s must be > 0 seconds, got {self.kill_switch_poll_s!r}")
        object.__setattr__(self, "fees", fee_model_from_spec(self.fees))

    @property
    def fee_model(self) -> FeeModel:
        """``fees`` as the fee model it was validated into."""
        return fee_model_from_spec(self.fees)


class LiveEngine:
    """Drives one strategy over a venue's ticks (see the module docstring); ``broker`` is the venue."""

    def __init__(
        self,
        strategy: Strategy,
        broker: Venue,
        symbols: Sequence[str],
        config: LiveConfig,
        store: OrderStateStore,
        sessions: SessionTable,
        *,
        lot_sizes: np.ndarray | None = None,
        freeze_quantities: np.ndarray | None = None,
        publisher: Publisher | None = None,
        metrics: Metrics | None = None,
        readiness: ReadinessGate | None = None,
    ) -> None:
        self.strategy, self.broker, self.config, self.store = strategy, broker, config, store
        self.publisher = publisher or NullPublisher()
        self.metrics = metrics or InMemoryMetrics()
        self.readiness = readiness
        self.inbox: OrderInbox | None = None  # manual orders (POST /orders), taken after each decision
        lots = np.ones(len(symbols), np.int64) if lot_sizes is None else np.asarray(lot_sizes, np.int64)
        self.instruments = [instrument_id(config.exchange.value, s) for s in symbols]
        self.columns = {iid: n for n, iid in enumerate(self.instruments)}
        self.history = BarHistory(symbols, lots)
        self.builder = MinuteBarBuilder(self.instruments, sessions)
        self.account = LiveAccount(self.columns, config.capital_inr)
        freeze = freeze_by_instrument(self.instruments, freeze_quantities)  # units; <= 0: none known
        self.orders = OrderManager(broker, store, config.run_id, self.metrics, self.publisher, freeze)
        self.risk = RiskGate(config.limits)
        self.kill = KillSwitch(store, self.metrics, config.kill_switch_poll_s)
        self.daily_loss = DailyLoss(store, config.run_id, self.risk, self.metrics, config.capital_inr)
        self.blocks = ReadinessBlocks(self.metrics)
        self.ctx = LiveContext(self)
        self.fees: FeeModel = config.fee_model
        self._checkpoint_key = f"checkpoint:{config.run_id}"
        self.checkpoint_ns = int(store.get_value(self._checkpoint_key) or -1)
        self._replay_trades = broker.trades() if self.checkpoint_ns >= 0 else []
        self._seq = 0
        self._clock_ns = 0
        self._live_slices = 0
        # the start-up reconciliation and the day's loss mark are still to do: at the first tick of
        # the first live minute, so neither sits on that minute's closing tick (its decision's path)
        self._starting = True  # not yet tried at a tick
        self._reconciled = False  # the start-up reconciliation succeeded
        self._strategy_started = False
        self._unannounced: list[Fill] = []  # fills booked before the strategy's on_start, for on_fill
        self.stop_requested = False
        self.slices = 0
        # called with every fill once booked (e.g. the day's fills log); deduplicate by trade_id
        self.fill_sink: Callable[[Fill], None] | None = None
        # collects garbage after each slice when started (automatic collection is then off)
        self.collector: SliceCollector | None = None
        # [recording] called with each finished slice once it has run (vyapari.live.recording)
        self.bar_sink: Callable[[BarSlice], None] | None = None
        # first trades the venue asked for (column → instrument): what they change is booked at
        # once when nothing observes a fill's moment (no on_fill of the strategy's own), else kept
        # for the open phase
        self._watch: dict[int, str] = {}
        self._early: list[VenueUpdate] = []
        self._book_early = type(strategy).on_fill is Strategy.on_fill
        self._instruments = tuple(self.builder.instruments)  # one sequence for every minute to the venue

    @property
    def killed(self) -> bool:
        """The kill switch is acted on: new orders are refused."""
        return self.kill.killed

    # ----- ticks in ------------------------------------------------------------------
    def on_tick(self, tick: Tick) -> None:
        """Feed one broker tick (unknown instruments are ignored)."""
        n = self.columns.get(tick.instrument_id)
        if n is not None:
            ns = int(tick.received_at.timestamp()) * 1_000_000_000 + tick.received_at.microsecond * 1000
            self.on_price(n, ns, float(tick.price), float(tick.last_quantity))

    def on_price(self, column: int, ts_ns: int, price: float, quantity: float) -> None:
        """Feed one trade of ``quantity`` shares at ``price`` ₹ at ``ts_ns`` (UTC ns) for ``column``."""
        self._clock_ns = ts_ns
        done = self.builder.add(column, ts_ns, price, quantity)
        if done is not None:
            self.on_slice(done)
        elif ts_ns >= self.kill.due_ns:
            self.kill.poll(ts_ns, self.builder.minute_ns)
        if self._starting and self.builder.minute_ns > self.checkpoint_ns:  # the first live minute began
            self._start_live()
        if self._watch and column in self._watch:  # a first trade the venue asked for
            self._on_first_trade(column, ts_ns, price)

    def on_clock(self, now_ns: int) -> None:
        """Advance the clock (timer): emits the current minute once it is over."""
        self._clock_ns = max(self._clock_ns, now_ns)
        done = self.builder.advance(now_ns)
        if done is not None:
            self.on_slice(done)
        elif self._clock_ns >= self.kill.due_ns:
            self.kill.poll(self._clock_ns, self.builder.minute_ns)

    def on_corporate_action(self, column: int, at_ns: int, ratio: float, dividend_per_share: float) -> None:
        """Settle a split or bonus (``ratio`` shares after / before) and a cash dividend (₹ per
        share) of ``column`` effective from its bar starting ``at_ns`` (UTC ns), before that bar:
        in the broker (a simulated one; a real broker settles itself), the account, and the
        history the strategy reads (a split is no signal: :mod:`vyapari.strategy.actions`)."""
        iid = self.instruments[column]
        at = ist_from_ns(at_ns)
        step = 2 * self.history.rows
        # trades before the ex-date that the account has not booked yet (a replay of a later day)
        self._book_trades([tr for tr in self.broker.trades() if tr.filled_at < at], step)
        cancelled = self.broker.settle_corporate_action(
            iid, at, Decimal(str(ratio)), Decimal(str(dividend_per_share))
        )
        self.account.settle_corporate_action(iid, ratio, dividend_per_share)
        if ratio != 1.0:
            self.history.settle_split(column, ratio)
        for order in cancelled:
            self.orders.apply_status(order, step)

    # ----- one slice -----------------------------------------------------------------
    def on_slice(self, bar: BarSlice) -> None:
        """Run the phases of one finished slice (see the module docstring).

        Routine log lines (an order placed) are held while the slice runs and written at its end,
        stamped with the time they were logged (:mod:`vyapari.core.deferred_log`); warnings and
        errors are written when they happen.
        """
        with deferred.held():
            self._run_slice(bar)
        if self.bar_sink is not None:  # [recording] the session's minute bars into the lake
            self.bar_sink(bar)
        if self.collector is not None:  # garbage collection once the slice's work is done
            self.collector.after_slice()

    def _run_slice(self, bar: BarSlice) -> None:
        self._watch = {}
        t = self.history.append(bar)
        self.ctx.set_row(t)
        replay = bar.ts_ns <= self.checkpoint_ns
        self.orders.replaying = replay
        if t == 0:  # prepare (or a stepped signal's first row: no whole-panel work)
            self.strategy.advance(self.history.panel(), self.config.capital_inr)
            self.strategy.on_start(self.ctx)
            self._strategy_started = True
            self._announce_fills()
        if replay:
            self._book_trades([tr for tr in self._replay_trades if _ns(tr.filled_at) == bar.ts_ns], 2 * t)
        else:
            self._open_phase(bar, t)
        self._seq = 0
        self._decide(t)
        if not replay and self.inbox is not None:
            self._take_manual_orders(t)
        if self.strategy.product is ProductType.MIS and self.after_squareoff(max(self._clock_ns, bar.ts_ns)):
            self.flatten("squareoff", t)
        self.account.mark_closes(bar.close, bar.valid)
        self.slices += 1
        self.orders.send_staged()  # any decided after the decision phase (none from the built-in paths)
        self.orders.flush()  # the slice's deferred intent changes, before its checkpoint
        if not replay:
            self._publish_slice(bar)
            self.orders.broker_inputs_durable()  # the venue's inputs (a paper journal), before the checkpoint
            self.store.set_value(self._checkpoint_key, str(bar.ts_ns))
            self.checkpoint_ns = bar.ts_ns
            if self._live_slices % self.config.reconcile_every == 0:  # housekeeping, off the decision path
                self.reconcile(2 * t + 2)  # what it finds, the strategy sees at the next open phase
                self.orders.send_staged()
                self.orders.flush()
            self._watch_opens()
        follows = bar.ts_ns + NS_PER_MINUTE
        if follows < bar.session_close_ns:  # the next minute's times, worked out before it closes
            self.ctx.prepare(follows, bar.session_date)
        self.account.settle()

    def _open_phase(self, bar: BarSlice, t: int) -> None:
        step = 2 * t
        if not self._reconciled:  # no tick began this minute (slices fed directly), or that try failed
            self._starting = False
            self.reconcile(step)
            self._reconciled = True
        self._live_slices += 1
        o, h, low, c, v = bar.ohlcv  # the five rows, once (each field of a BarSlice is a new view)
        # the bar's start as ctx.set_row took it (worked out before the minute closed)
        minute = MinuteBars(self._instruments, self.ctx.now, o, h, low, c, v, bar.valid)
        moved = self.broker.on_minute(minute)
        early = self._early
        if early:
            self._early = []
        if moved is not None:  # the venue said what the minute changed: book just that
            if early:
                trades = [tr for u in early for tr in u.trades] + list(moved.trades)
                self._take(trades, [o for u in early for o in u.orders] + list(moved.orders), step)
            elif moved.trades or moved.orders:
                self._take(moved.trades, moved.orders, step)
        elif early or self.orders.has_open():  # a broker: read its books
            self._take(self.broker.trades(), self.broker.orders(), step)
        self._check_daily_loss(bar, t)

    def _start_live(self) -> None:
        """The first live minute (also after a restart) has begun: reconcile with the venue's books
        and read the day's loss mark now, between its ticks, not on the tick that closes it. What the
        reconciliation changes is dated that minute's open phase (step ``2t``), as before it. Tried
        once: when it fails (logged, ``startup_reconcile_errors_total``), the minute's open phase
        reconciles before deciding, as it did before this was moved."""
        self._starting = False
        session = self.builder.session_date
        assert session is not None  # a live minute began: its tick was in a session
        try:
            self.daily_loss.prepare(session)
            self.reconcile(2 * self.history.rows, session, self.builder.minute_ns)
        except Exception:
            self.metrics.count("startup_reconcile_errors_total")
            log.exception("the start-up reconciliation failed; it is tried again before the first decision")
            return
        self._reconciled = True

    def _announce_fills(self) -> None:
        """The strategy's ``on_fill`` of fills booked before it started (the start-up reconciliation)."""
        fills, self._unannounced = self._unannounced, []
        for fill in fills:
            self._tell_strategy(fill)

    def _check_daily_loss(self, bar: BarSlice, t: int) -> None:
        self.daily_loss.open_day(bar.session_date, self.account.equity)
        if self.config.limits.max_daily_loss_inr is None:
            return
        marks = np.where(bar.valid, bar.close, self.account.mark)
        marked = self.account.cash + float(self.account.pos @ marks)
        if self.daily_loss.breached_now(bar.session_date, marked):
            self.flatten("daily_loss", t)

    def _take(self, trades: Sequence[BrokerTrade], orders: Sequence[BrokerOrder], step: int) -> None:
        """Book the broker's new ``trades``, then take its statuses of ``orders``, at ``step``."""
        self._book_trades(trades, step)
        for order in orders:
            self.orders.apply_status(order, step)

    def _decide(self, t: int) -> None:
        if isinstance(self.strategy.signal, VectorSignal):  # the newest row's targets (stepped if it can)
            self.strategy.advance(self.history.panel(), self.config.capital_inr)
        try:
            self.strategy.on_bar(self.ctx)
        except Exception:
            self.metrics.count("strategy_errors_total")
            log.exception(
                "strategy %s raised in on_bar at %s; no further orders this slice",
                self.strategy.name,
                self.ctx.now.isoformat(),
            )
        if not self.orders.replaying and self.kill.decide():  # the kill switch as last read
            why = str(RiskRejected(RiskReason.KILL_SWITCH, "the kill switch is engaged"))
            refused = self.orders.block_staged(why)
            if refused:
                log.warning("kill switch: %d order(s) decided this slice refused", refused)
            self.flatten("kill", t)
        self.orders.send_staged()  # the slice's orders (those from on_fill too): one durable write, then sent

    def _watch_opens(self) -> None:
        """Ask the venue whose first trade in the next minute it wants to hear of."""
        try:
            wanted = self.broker.first_trades_wanted()
        except Exception:
            self.metrics.count("early_fill_errors_total")
            log.exception("asking the venue for first trades failed; orders fill when the minute ends")
            return
        columns = self.columns
        self._watch = {columns[i]: i for i in wanted if i in columns}

    def _on_first_trade(self, column: int, ts_ns: int, price: float) -> None:
        """The first trade of ``column`` in the minute, which the venue asked for (a simulated venue
        fills resting market orders at it, the bar's open): what it changes is booked now, off the
        next decision's path (or kept for the open phase when the strategy has its own
        ``on_fill``). Never raises."""
        minute = self.builder.minute_ns
        if not minute <= ts_ns < minute + NS_PER_MINUTE:  # a late or out-of-session tick: not an open
            return
        instrument_id = self._watch.pop(column)
        try:
            outcome = self.broker.on_first_trade(instrument_id, ist_from_ns(minute), price)
            if not outcome.trades and not outcome.orders:
                return
            if not self._book_early:
                self._early.append(outcome)
                return
            step = 2 * (self.ctx.bar_index + 1)  # the next slice's open phase, as if booked there
            self._take(outcome.trades, outcome.orders, step)
            self.account.settle()
        except Exception:
            self.metrics.count("early_fill_errors_total")
            log.exception(
                "filling %s at its opening trade failed; its trades are booked at reconciliation",
                instrument_id,
            )

    def _book_trades(self, trades: Sequence[BrokerTrade], step: int) -> None:
        fresh = [tr for tr in trades if tr.trade_id not in self.account.trade_ids]
        columns = self.columns  # a slice's fills in column order, as the backtest books them
        fresh.sort(key=lambda tr: (tr.filled_at, columns.get(tr.instrument_id, -1), tr.trade_id))
        for trade in fresh:
            fill = trade_to_fill(trade, self.fees)
            self.account.book(fill)
            if self.fill_sink is not None:
                self.fill_sink(fill)
            self.publisher.publish("orders", fill_message(fill))
            decided_as = self.orders.apply_trade(fill.client_order_id, fill.quantity, step)
            self.metrics.count("fills_total")
            if decided_as is not None and decided_as != fill.client_order_id:  # a slice: its parent's id
                fill = replace(fill, client_order_id=decided_as)
            if self._strategy_started:
                self._tell_strategy(fill)
            else:  # booked by the start-up reconciliation: told once the strategy has started
                self._unannounced.append(fill)

    def _tell_strategy(self, fill: Fill) -> None:
        try:
            self.strategy.on_fill(self.ctx, fill)
        except Exception:
            log.exception("strategy %s raised in on_fill", self.strategy.name)

    def reconcile(self, step: int, session: date | None = None, at_ns: int | None = None) -> dict[str, int]:
        """Reconcile intents, trades and positions with the broker's books at engine step ``step``
        for the minute starting ``at_ns`` (UTC ns) of ``session`` (default: the current slice's);
        returns counts."""
        if session is None:
            session = self.history.session_date(self.ctx.bar_index)
        if at_ns is None:
            at_ns = self.history.ts(self.ctx.bar_index)
        now_after = self.after_squareoff(at_ns)

        def may_send(intent: OrderIntent) -> bool:
            late = intent.product is ProductType.MIS and now_after and intent.kind is IntentKind.STRATEGY
            return intent.session_date == session and not self.killed and not late

        counts = self.orders.reconcile(self.broker.orders(), step, may_send)
        self._book_trades(self.broker.trades(), step)
        self._check_positions()
        return counts

    def _check_positions(self) -> None:
        broker = {p.instrument_id: p.quantity for p in self.broker.positions()}
        for iid, n in self.columns.items():
            if broker.get(iid, 0) != int(self.account.pos[n]):
                self.metrics.count("position_mismatch_total", instrument=iid)
                log.error(
                    "position mismatch in %s: ours %d, broker %d",
                    iid,
                    self.account.pos[n],
                    broker.get(iid, 0),
                )

    # ----- orders --------------------------------------------------------------------
    def after_squareoff(self, ns: int) -> bool:
        """True when ``ns`` is at/after the MIS square-off minute (IST) of its day."""
        return ((ns + IST_OFFSET_NS) // NS_PER_MINUTE) % 1440 >= self.config.squareoff_minute

    def _intent(
        self,
        symbol: str,
        side: Side,
        qty: int,
        kind: IntentKind,
        *,
        order_type: OrderType = OrderType.MARKET,
        limit: Decimal | None = None,
        trigger: Decimal | None = None,
        tag: str | None = None,
        product: ProductType | None = None,
    ) -> tuple[OrderIntent, int]:
        """The intent of a decision of this slice (PENDING, with its lot size) and its column."""
        t = self.ctx.bar_index
        key = tag if tag is not None else self._seq
        self._seq += 1
        n = self.ctx.column(symbol)
        cid = self.ctx.order_ids(symbol, key)  # client_order_id(run, strategy, now, symbol, key)
        intent = OrderIntent(
            cid,
            self.config.run_id,
            self.instruments[n],
            side,
            qty,
            order_type,
            self.strategy.product if product is None else product,
            limit,
            trigger,
            decided_at=self.ctx.now,
            session_date=self.ctx.session_day,
            kind=kind,
            opened_step=2 * t + 1,
            lot_size=int(self.history.lot_sizes[n]),
        )
        return intent, n

    def submit_strategy_order(self, request: OrderRequest) -> str:
        """Risk-check and place a strategy's order; returns its ``client_order_id``."""
        intent, n = self._intent(
            request.symbol,
            request.side,
            request.quantity,
            IntentKind.STRATEGY,
            order_type=request.order_type,
            limit=request.limit_price,
            trigger=request.trigger_price,
            product=request.product,
        )
        if self.orders.replaying or intent.client_order_id in self.orders.intents:
            return self.orders.place(intent).client_order_id
        try:
            self._gate(intent, n)
        except NotReady as exc:  # logged once per change of error (ReadinessBlocks), not per order
            return self.orders.block(intent, f"{type(exc).__name__}: {exc}").client_order_id
        except RiskRejected as exc:
            log.warning(
                "order %s %s %d %s refused: %s",
                intent.client_order_id,
                intent.side.value,
                intent.quantity,
                intent.instrument_id,
                exc,
            )
            return self.orders.block(intent, str(exc)).client_order_id
        return self.orders.stage(intent).client_order_id  # written and sent after on_bar, in one batch

    def _gate(self, intent: OrderIntent, n: int) -> None:
        if self.killed:
            raise RiskRejected(RiskReason.KILL_SWITCH, "the kill switch is engaged")
        if intent.product is ProductType.MIS and self.ctx.is_squareoff_time():
            raise RiskRejected(RiskReason.AFTER_SQUAREOFF, "MIS orders are not accepted after 15:20 IST")
        if self.readiness is not None:
            self.blocks.require(self.readiness, self.ctx.now, intent.instrument_id)
        pending = self.orders.pending_quantity(intent.instrument_id)
        price = float(self.ctx.close[n]) if self.ctx.valid[n] else float(self.account.mark[n])
        level = intent.limit_price if intent.limit_price is not None else intent.trigger_price
        self.risk.check(
            RiskInputs(
                intent.instrument_id,
                intent.side.sign * intent.quantity,
                price,
                None if level is None else float(level),
                int(self.account.pos[n]) + pending,
                self.account.gross_exposure,
                self.account.equity - self.daily_loss.start_equity,
            )
        )

    def _take_manual_orders(self, t: int) -> None:
        """Place (or refuse) the inbox's manual orders and report each outcome; never raises."""
        assert self.inbox is not None
        try:
            pending = self.inbox.pending()
        except Exception:
            self.metrics.count("inbox_errors_total")
            log.exception("reading the manual-order inbox failed; trying again next slice")
            return
        for order in pending:
            status, reason, cid = self.submit_manual_order(order, t)
            self.metrics.count("manual_orders_total", status=status)
            try:
                self.inbox.done(order.request_id, status, reason, cid)
            except Exception:
                self.metrics.count("inbox_errors_total")
                log.exception("reporting manual order %s failed; taken again next slice", order.request_id)

    def submit_manual_order(self, order: ManualOrder, t: int) -> tuple[str, str | None, str | None]:
        """Risk-check and place one manual order; ``(status, reason, client_order_id)``.

        ``ACCEPTED`` (sent), ``BLOCKED`` (kill switch, readiness or a risk limit) or ``REJECTED``
        (not in this service's universe, malformed, or refused by the broker). The same
        ``request_id`` always maps to the same ``client_order_id``, so it is never placed twice.
        """
        n = self.columns.get(order.instrument_id)
        if n is None:
            return "REJECTED", f"{order.instrument_id} is not traded by this service", None
        cid = client_order_id(self.config.run_id, "manual", order.request_id)
        known = self.orders.intents.get(cid)
        if known is not None:
            return ("BLOCKED" if known.state is IntentState.BLOCKED else "ACCEPTED"), known.reason, cid
        try:
            side, kind, product = Side(order.side), OrderType(order.order_type), ProductType(order.product)
            limit = None if order.price is None else Decimal(order.price)
            trigger = None if order.trigger_price is None else Decimal(order.trigger_price)
        except (ValueError, ArithmeticError) as exc:
            return "REJECTED", f"malformed order: {exc}", None
        intent = OrderIntent(
            cid, self.config.run_id, order.instrument_id, side, order.quantity, kind, product, limit, trigger,
            decided_at=self.ctx.now, session_date=self.ctx.session_day,
            kind=IntentKind.MANUAL, opened_step=2 * t + 1, lot_size=int(self.history.lot_sizes[n]),
        )
        try:
            self._gate(intent, n)
        except (NotReady, RiskRejected) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            self.orders.block(intent, reason)
            return "BLOCKED", reason, cid
        placed = self.orders.place(intent)
        return ("REJECTED" if placed.state is IntentState.REJECTED else "ACCEPTED"), placed.reason, cid

    def cancel_strategy_order(self, client_order_id: str) -> None:
        """Cancel one of the strategy's open orders."""
        intent = self.orders.intents.get(client_order_id)
        if intent is not None and intent.kind is IntentKind.STRATEGY:
            self.orders.cancel(client_order_id, 2 * self.ctx.bar_index + 1)

    def strategy_open_orders(self) -> list[Order]:
        """Open strategy orders as model :class:`Order` objects."""
        step = 2 * self.ctx.bar_index + 1
        out = []
        for i in self.orders.open_intents(step):
            if i.kind is not IntentKind.STRATEGY:
                continue
            order = Order(
                i.client_order_id,
                i.instrument_id,
                i.side,
                i.quantity,
                i.order_type,
                i.product,
                i.limit_price,
                i.trigger_price,
                tag=i.client_order_id,
                status=order_status(i.state),
                broker_order_id=i.broker_order_id,
            )
            order.filled_quantity = i.filled_quantity
            out.append(order)
        return out

    def flatten(self, why: str, t: int) -> None:
        """Cancel open strategy orders and close every position with market orders."""
        step = 2 * t + 1
        for intent in self.orders.open_intents(step + 1):  # orders decided this slice too
            if intent.kind is IntentKind.STRATEGY:
                self.orders.cancel(intent.client_order_id, step)
        open_now = self.orders.open_intents(step + 1)
        closing = {i.instrument_id for i in open_now if i.kind is IntentKind.SQUAREOFF}
        for n, qty in enumerate(self.account.pos.tolist()):
            if qty == 0 or self.instruments[n] in closing:
                continue
            side = Side.SELL if qty > 0 else Side.BUY
            intent, _ = self._intent(self.history.symbols[n], side, abs(qty), IntentKind.SQUAREOFF, tag=why)
            self.orders.place(intent)


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
                "day_pnl_inr": equity - self.daily_loss.start_equity,
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

def _ns(at: object) -> int:
    from datetime import datetime

    assert isinstance(at, datetime)
    return int(at.timestamp()) * 1_000_000_000 + at.microsecond * 1000
