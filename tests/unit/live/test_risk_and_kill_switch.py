"""Risk limits (each refuses with its named reason), the kill switch, the daily loss square-off."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.integration.live.live_helpers import counters, make_engine, run_live

from vyapari.live.replay import replay
from vyapari.live.risk import (
    RiskGate,
    RiskInputs,
    RiskLimits,
    RiskReason,
    RiskRejected,
    engage_kill_switch,
    kill_switch_state,
    reset_kill_switch,
)
from vyapari.live.store import SqliteOrderStateStore
from vyapari.model.intents import IntentKind, IntentState
from vyapari.strategy.synthetic import random_walk_panel

SMA: tuple[str, dict[str, int]] = ("sma_cross_bar", {"fast": 5, "slow": 20, "qty": 10})


def _order(**kw: object) -> RiskInputs:
    base = {
        "symbol": "NSE:X",
        "delta": 10,
        "last_price": 100.0,
        "limit_or_trigger": None,
        "position": 0,
        "gross_exposure_inr": 0.0,
        "day_pnl_inr": 0.0,
    }
    return RiskInputs(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("limits", "order", "reason"),
    [
        (RiskLimits(max_order_value_inr=Decimal(999)), _order(), RiskReason.ORDER_VALUE),
        (RiskLimits(max_order_quantity=5), _order(), RiskReason.ORDER_QUANTITY),
        (RiskLimits(max_position=15), _order(position=10), RiskReason.POSITION),
        (
            RiskLimits(max_gross_exposure_inr=Decimal(5000)),
            _order(gross_exposure_inr=4500.0),
            RiskReason.GROSS_EXPOSURE,
        ),
        (RiskLimits(max_daily_loss_inr=Decimal(100)), _order(day_pnl_inr=-150.0), RiskReason.DAILY_LOSS),
        (RiskLimits(price_band=0.05), _order(limit_or_trigger=106.0), RiskReason.PRICE_BAND),
        (RiskLimits(), _order(last_price=float("nan")), RiskReason.NO_PRICE),
    ],
)
def test_each_risk_limit_refuses_with_its_named_reason(
    limits: RiskLimits, order: RiskInputs, reason: RiskReason
) -> None:
    with pytest.raises(RiskRejected) as info:
        RiskGate(limits).check(order)
    assert info.value.reason is reason
    RiskGate(RiskLimits()).check(order) if reason is not RiskReason.NO_PRICE else None


def test_order_rate_limits_per_second_and_per_minute() -> None:
    now = [0.0]
    gate = RiskGate(RiskLimits(max_orders_per_second=2, max_orders_per_minute=3), clock=lambda: now[0])
    gate.check(_order())
    gate.check(_order())
    with pytest.raises(RiskRejected, match="order_rate"):
        gate.check(_order())
    now[0] = 1.5
    gate.check(_order())
    with pytest.raises(RiskRejected, match="last minute"):
        gate.check(_order())
    now[0] = 61.0
    gate.check(_order())


def test_reducing_order_passes_exposure_and_loss_limits() -> None:
    gate = RiskGate(RiskLimits(max_position=5, max_daily_loss_inr=Decimal(1)))
    gate.check(_order(delta=-10, position=10, day_pnl_inr=-500.0))


def test_engine_blocks_orders_beyond_a_limit_and_records_the_reason() -> None:
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=200, seed=11)
    engine = run_live(*SMA, panel, limits=RiskLimits(max_order_quantity=5))
    blocked = [i for i in engine.orders.intents.values() if i.state is IntentState.BLOCKED]
    assert blocked and all(i.reason and i.reason.startswith("max_order_quantity") for i in blocked)
    assert engine.broker.orders() == [] and not engine.account.portfolio.fills


def test_kill_switch_cancels_squares_off_blocks_and_persists(tmp_path) -> None:
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=375, seed=11)
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    engine = make_engine(*SMA, panel, store=store)
    half = panel.with_arrays(valid=panel.valid.copy())
    half.valid[200:] = False
    replay(engine, half)
    assert engine.account.pos.any(), "the test needs an open position at the kill"
    other = SqliteOrderStateStore(tmp_path / "orders.sqlite")  # e.g. `vyapari live kill`
    engage_kill_switch(other, "test")
    assert kill_switch_state(store) is not None
    for n, ts, price, qty in _ticks_after(panel, 200):
        engine.on_price(n, ts, price, qty)
    assert engine.killed and not engine.account.pos.any()
    after = [
        i for i in engine.orders.intents.values()
        if i.opened_step > 2 * 201 + 1 and i.kind is IntentKind.STRATEGY
    ]
    assert after and all(i.state is IntentState.BLOCKED and "kill_switch" in (i.reason or "") for i in after)
    reset_kill_switch(other)
    assert kill_switch_state(store) is None


def _ticks_after(panel, start: int):
    from vyapari.live.replay import panel_ticks

    cut = int(panel.ts[start])
    return [x for x in panel_ticks(panel) if x[1] >= cut]


def test_daily_loss_breach_squares_off_and_stops_entries() -> None:
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=375, seed=11)
    params = {"fast": 5, "slow": 20, "qty": 500}
    engine = run_live("sma_cross_bar", params, panel, limits=RiskLimits(max_daily_loss_inr=Decimal(2000)))
    assert engine.risk.daily_loss_breached
    squared = [i for i in engine.orders.intents.values() if i.kind is IntentKind.SQUAREOFF]
    assert squared and all(i.state is IntentState.FILLED for i in squared)
    assert not engine.account.pos.any()
    blocked = [i for i in engine.orders.intents.values() if i.state is IntentState.BLOCKED]
    reasons = {(i.reason or "").split(":")[0] for i in blocked}
    assert reasons == {"max_daily_loss"}


def test_a_kill_switch_engaged_while_the_strategy_decides_stops_the_next_slice(tmp_path) -> None:
    """The switch is read between decisions: pressed during one, it refuses the next one's orders."""
    from vyapari.strategies.sma_cross import SmaCrossPerBar

    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    other = SqliteOrderStateStore(tmp_path / "orders.sqlite")  # e.g. `vyapari live kill`, meanwhile
    pressed: list[int] = []
    killed_by: list[int] = []  # the first slice that saw the engine killed when it began
    staged_after: dict[int, int] = {}

    class KilledMidDecision(SmaCrossPerBar):
        def on_bar(self, ctx) -> None:
            if engine.killed and not killed_by:
                killed_by.append(ctx.bar_index)
            staged = len(engine.orders._staged)
            super().on_bar(ctx)
            staged_after[ctx.bar_index] = len(engine.orders._staged) - staged
            if staged_after[ctx.bar_index] and not pressed and ctx.positions.any():
                pressed.append(ctx.bar_index)
                engage_kill_switch(other, "pressed while the strategy decided")

    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=375, seed=11)
    engine = make_engine(*SMA, panel, store=store, strategy=KilledMidDecision(fast=5, slow=20, qty=10))
    replay(engine, panel)
    assert pressed, "the test needs a slice that decides orders while holding a position"
    t = pressed[0]
    intents = list(engine.orders.intents.values())
    sent = {o.client_order_id for o in engine.broker.orders()}
    that_slice = [i for i in intents if i.opened_step == 2 * t + 1 and i.kind is IntentKind.STRATEGY]
    assert that_slice and {i.client_order_id for i in that_slice} <= sent  # decided before the read
    later = [i for i in intents if i.opened_step > 2 * t + 1 and i.kind is IntentKind.STRATEGY]
    assert later and all(i.state is IntentState.BLOCKED and "kill_switch" in (i.reason or "") for i in later)
    assert not sent & {i.client_order_id for i in later}  # never written as PENDING, never sent
    assert killed_by == [t + 2]  # acted on at the decision of slice t + 1
    assert engine.killed and not engine.account.pos.any()


SECOND = 1_000_000_000


@pytest.mark.parametrize(
    ("after_engaging", "read"),
    [
        (("tick", 10.5), False),  # within kill_switch_poll_s (1 s) of the read at 10 s
        (("tick", 11.0), True),
        (("tick", 58.9), True),
        (("tick", 59.0), False),  # the minute's last second: its closing tick may come any moment
        (("clock", 30.0), True),  # the timer reads it too when no tick comes
    ],
)
def test_the_kill_switch_is_read_between_ticks_at_most_every_poll_never_in_a_minutes_last_second(
    tmp_path, after_engaging: tuple[str, float], read: bool
) -> None:
    panel = random_walk_panel(symbols=2, sessions=1, bars_per_session=3, seed=2)
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    engine = make_engine(*SMA, panel, store=store)
    start = int(panel.ts[0])
    engine.on_price(0, start, 100.0, 1.0)  # read: off
    engine.on_price(1, start + 10 * SECOND, 100.0, 1.0)  # read: off
    engage_kill_switch(SqliteOrderStateStore(tmp_path / "orders.sqlite"), "test")
    how, at = after_engaging
    if how == "tick":
        engine.on_price(0, start + int(at * SECOND), 100.5, 1.0)
    else:
        engine.on_clock(start + int(at * SECOND))
    engine.on_price(1, start + 60 * SECOND, 100.0, 1.0)  # closes the minute: decides, never reads
    assert engine.slices == 1
    assert engine.killed is read
    assert counters(engine).get("kill_switch_total", 0) == int(read)


def test_a_failed_kill_switch_read_is_counted_and_the_last_state_kept(tmp_path) -> None:
    class FlakyStore(SqliteOrderStateStore):
        """The order store whose kill-switch reads fail while ``down`` (e.g. DynamoDB throttling)."""

        down = False

        def get_value(self, key: str) -> str | None:
            if self.down and key == "kill_switch":
                raise OSError("the order store did not answer")
            return super().get_value(key)

    panel = random_walk_panel(symbols=2, sessions=1, bars_per_session=3, seed=2)
    store = FlakyStore(tmp_path / "orders.sqlite")
    engine = make_engine(*SMA, panel, store=store)
    engage_kill_switch(store, "test")
    start = int(panel.ts[0])
    engine.on_price(0, start, 100.0, 1.0)  # read: engaged
    store.down = True
    reset_kill_switch(SqliteOrderStateStore(tmp_path / "orders.sqlite"))
    engine.on_price(1, start + 10 * SECOND, 100.0, 1.0)  # the read fails: still engaged
    engine.on_price(1, start + 60 * SECOND, 100.0, 1.0)
    assert engine.slices == 1 and engine.killed
    assert counters(engine)["kill_switch_read_errors_total"] == 1
    store.down = False
    engine.on_price(0, start + 70 * SECOND, 100.0, 1.0)  # read again: released
    engine.on_price(1, start + 120 * SECOND, 100.0, 1.0)
    assert engine.slices == 2 and not engine.killed
