"""Pre-trade risk limits, checked before every order, and the kill switch.

:class:`RiskLimits` is a frozen config (``None`` disables a limit). :meth:`RiskGate.check`
raises :class:`RiskRejected` with a :class:`RiskReason` naming the limit. Orders that only
reduce a position (exits, square-offs) are never stopped by the position, exposure or
daily-loss limits, so a breach can always be flattened.

The kill switch is a value in the :class:`~vyapari.live.store.OrderStateStore` (so the
CLI, the API and the service share it across processes and restarts):
:func:`engage_kill_switch` / :func:`reset_kill_switch`.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import NamedTuple

from vyapari.core.errors import InvalidInput, VyapariError
from vyapari.core.time import IST
from vyapari.live.store import OrderStateStore

KILL_SWITCH_KEY = "kill_switch"


class RiskReason(str, Enum):
    """Why an order was refused."""

    KILL_SWITCH = "kill_switch"
    DAILY_LOSS = "max_daily_loss"
    ORDER_VALUE = "max_order_value"
    ORDER_QUANTITY = "max_order_quantity"
    POSITION = "max_position"
    GROSS_EXPOSURE = "max_gross_exposure"
    ORDER_RATE = "order_rate"
    PRICE_BAND = "price_band"
    NO_PRICE = "no_last_price"
    AFTER_SQUAREOFF = "mis_after_squareoff"


class RiskRejected(VyapariError):
    """An order refused by a limit; ``reason`` names it."""

    def __init__(self, reason: RiskReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason


@dataclass(frozen=True)
class RiskLimits:
    """Limits per run; ₹ amounts as Decimal, ``price_band`` a fraction (0.05 = 5 %).

    Attributes
    ----------
    max_order_value_inr, max_order_quantity :
        Per order: quantity × reference price (₹) and units.
    max_position :
        Absolute units per symbol after the order.
    max_gross_exposure_inr :
        Σ |position| × last price (₹) over all symbols after the order.
    max_daily_loss_inr :
        Loss from the session's starting equity (₹) at which entries stop and positions are squared off.
    max_orders_per_second, max_orders_per_minute :
        Orders sent in any trailing 1 s / 60 s (wall clock).
    price_band :
        A limit or trigger price further than this fraction from the last price is refused.
    """

    max_order_value_inr: Decimal | None = None
    max_order_quantity: int | None = None
    max_position: int | None = None
    max_gross_exposure_inr: Decimal | None = None
    max_daily_loss_inr: Decimal | None = None
    max_orders_per_second: int | None = None
    max_orders_per_minute: int | None = None
    price_band: float | None = None

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise InvalidInput(name, f"must be positive when set, got {value}")


RISK_SETTINGS: dict[str, tuple[str, Callable[[str], object]]] = {
    "RISK_MAX_ORDER_VALUE_INR": ("max_order_value_inr", Decimal),
    "RISK_MAX_ORDER_QUANTITY": ("max_order_quantity", int),
    "RISK_MAX_POSITION": ("max_position", int),
    "RISK_MAX_GROSS_EXPOSURE_INR": ("max_gross_exposure_inr", Decimal),
    "DAILY_LOSS_LIMIT_INR": ("max_daily_loss_inr", Decimal),
    "RISK_MAX_ORDERS_PER_SECOND": ("max_orders_per_second", int),
    "RISK_MAX_ORDERS_PER_MINUTE": ("max_orders_per_minute", int),
    "RISK_PRICE_BAND": ("price_band", float),
}
"""Environment variable → (:class:`RiskLimits` field, parser); an empty or unset variable disables it."""


def risk_limits_from_env(settings: Mapping[str, str]) -> RiskLimits:
    """:class:`RiskLimits` from ``settings`` (see :data:`RISK_SETTINGS`; ₹ amounts, ``RISK_PRICE_BAND``
    a fraction); raises :class:`InvalidInput` naming the variable for a value that is not a
    positive number."""
    values: dict[str, object] = {}
    for variable, (field_name, parse) in RISK_SETTINGS.items():
        text = (settings.get(variable) or "").strip().replace(",", "").replace("_", "")
        if not text:
            continue
        try:
            values[field_name] = parse(text)
        except (ValueError, ArithmeticError):
            raise InvalidInput(variable, f"must be a positive number, got {settings[variable]!r}") from None
        if not values[field_name] > 0:  # type: ignore[operator]
            raise InvalidInput(variable, f"must be positive, got {settings[variable]!r}")
    return RiskLimits(**values)  # type: ignore[arg-type]


class RiskInputs(NamedTuple):
    """What the gate needs about one order: signed ``delta`` units, ``price`` ₹ (last), state.

    A named tuple rather than a frozen dataclass: one is built per order on the live decision
    path, and a frozen dataclass sets each field through ``object.__setattr__`` (several times
    the cost)."""

    symbol: str
    delta: int
    last_price: float
    limit_or_trigger: float | None
    position: int
    gross_exposure_inr: float
    day_pnl_inr: float


class RiskGate:
    """Checks :class:`RiskLimits` and counts orders for the rate limits."""

    def __init__(self, limits: RiskLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._sent: deque[float] = deque()
        self.daily_loss_breached = False

    def check(self, order: RiskInputs) -> None:
        """Raise :class:`RiskRejected` if ``order`` breaks a limit; else record it for the rate limits."""
        qty = abs(order.delta)
        if not order.last_price > 0:
            raise RiskRejected(
                RiskReason.NO_PRICE, f"{order.symbol}: no last price to check the order against"
            )
        reducing = abs(order.position + order.delta) < abs(order.position) or (
            abs(order.position + order.delta) == 0
        )
        self._check_order(order, qty)
        if not reducing:
            self._check_exposure(order)
        self._check_rate(order.symbol)

    def _check_order(self, order: RiskInputs, qty: int) -> None:
        lim = self.limits
        if lim.max_order_quantity is not None and qty > lim.max_order_quantity:
            raise RiskRejected(
                RiskReason.ORDER_QUANTITY, f"{order.symbol}: {qty} units > {lim.max_order_quantity}"
            )
        value = qty * order.last_price
        if lim.max_order_value_inr is not None and value > float(lim.max_order_value_inr):
            raise RiskRejected(
                RiskReason.ORDER_VALUE, f"{order.symbol}: ₹{value:,.2f} > ₹{lim.max_order_value_inr:,}"
            )
        if lim.price_band is not None and order.limit_or_trigger is not None:
            off = abs(order.limit_or_trigger / order.last_price - 1)
            if off > lim.price_band:
                raise RiskRejected(
                    RiskReason.PRICE_BAND,
                    f"{order.symbol}: price {order.limit_or_trigger} "
                    f"is {off:.2%} from the last price {order.last_price}",
                )

    def _check_exposure(self, order: RiskInputs) -> None:
        lim = self.limits
        if self.daily_loss_breached:
            raise RiskRejected(RiskReason.DAILY_LOSS, "daily loss limit breached: no new entries today")
        if lim.max_daily_loss_inr is not None and -order.day_pnl_inr >= float(lim.max_daily_loss_inr):
            raise RiskRejected(RiskReason.DAILY_LOSS, f"day P&L ₹{order.day_pnl_inr:,.2f}")
        after = order.position + order.delta
        if lim.max_position is not None and abs(after) > lim.max_position:
            raise RiskRejected(RiskReason.POSITION, f"{order.symbol}: {after} units > ±{lim.max_position}")
        gross = order.gross_exposure_inr + (abs(after) - abs(order.position)) * order.last_price
        if lim.max_gross_exposure_inr is not None and gross > float(lim.max_gross_exposure_inr):
            raise RiskRejected(
                RiskReason.GROSS_EXPOSURE, f"gross ₹{gross:,.2f} > ₹{lim.max_gross_exposure_inr:,}"
            )

    def _check_rate(self, symbol: str) -> None:
        lim = self.limits
        if lim.max_orders_per_second is None and lim.max_orders_per_minute is None:
            return
        now = self._clock()
        while self._sent and now - self._sent[0] >= 60.0:
            self._sent.popleft()
        last_second = sum(1 for t in self._sent if now - t < 1.0)
        if lim.max_orders_per_second is not None and last_second >= lim.max_orders_per_second:
            raise RiskRejected(RiskReason.ORDER_RATE, f"{symbol}: {last_second} orders in the last second")
        if lim.max_orders_per_minute is not None and len(self._sent) >= lim.max_orders_per_minute:
            raise RiskRejected(
                RiskReason.ORDER_RATE, f"{symbol}: {len(self._sent)} orders in the last minute"
            )
        self._sent.append(now)

    def daily_loss_hit(self, day_pnl_inr: float) -> bool:
        """True (and latched) once the day's loss reaches ``max_daily_loss_inr``."""
        lim = self.limits.max_daily_loss_inr
        if lim is not None and -day_pnl_inr >= float(lim):
            self.daily_loss_breached = True
        return self.daily_loss_breached


def kill_switch_state(store: OrderStateStore) -> dict[str, str] | None:
    """The engaged kill switch (``reason``, ``engaged_at``) or None when it is off."""
    text = store.get_value(KILL_SWITCH_KEY)
    return None if text is None else dict(json.loads(text))


def engage_kill_switch(store: OrderStateStore, reason: str, at: datetime | None = None) -> None:
    """Engage the kill switch: the service cancels open orders, squares off and blocks new orders."""
    stamp = (at or datetime.now(IST)).isoformat()
    store.set_value(KILL_SWITCH_KEY, json.dumps({"reason": reason, "engaged_at": stamp}))


def reset_kill_switch(store: OrderStateStore) -> None:
    """Release the kill switch (new orders are accepted again)."""
    store.set_value(KILL_SWITCH_KEY, None)
