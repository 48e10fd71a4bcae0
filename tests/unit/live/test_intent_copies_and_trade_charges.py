"""Intent copies (the fast ``evolve``) and the charges a trade brings with it."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from vyapari.brokers.fills import trade_leg, trade_to_fill
from vyapari.brokers.types import BrokerTrade
from vyapari.core.time import IST
from vyapari.costs.spec import fee_model_from_spec
from vyapari.live.store import intent_to_json
from vyapari.model.enums import OrderType, ProductType, Side
from vyapari.model.intents import IntentState, OrderIntent

BASE = OrderIntent(
    "cid-1", "run", "NSE:INFY", Side.BUY, 10, OrderType.LIMIT, ProductType.MIS, Decimal("1500.05"),
    decided_at=datetime(2026, 11, 24, 10, 15, tzinfo=IST), session_date=date(2026, 11, 24),
    opened_step=7, lot_size=1,
)
CHANGES: dict[str, Any] = {
    "state": IntentState.PARTIALLY_FILLED,
    "filled_quantity": 4,
    "broker_order_id": "B-9",
    "closed_step": None,
    "reason": "partly",
    "lot_size": 25,
}


@pytest.mark.parametrize("name", [f.name for f in fields(OrderIntent)])
def test_evolve_is_dataclasses_replace_for_every_field(name: str) -> None:
    value = CHANGES.get(name, getattr(BASE, name))
    assert BASE.evolve(**{name: value}) == replace(BASE, **{name: value})


def test_evolve_keeps_the_original_and_refuses_unknown_fields() -> None:
    moved = BASE.evolve(**CHANGES)
    assert moved == replace(BASE, **CHANGES) and moved is not BASE
    assert BASE.state is IntentState.PENDING and BASE.filled_quantity == 0
    assert intent_to_json(moved) == intent_to_json(replace(BASE, **CHANGES))
    with pytest.raises(TypeError, match="qty"):
        BASE.evolve(qty=5)


def _trade(charges: object = None) -> BrokerTrade:
    at = datetime(2026, 11, 24, 10, 16, tzinfo=IST)
    return BrokerTrade(
        "T-1", "B-9", "NSE:INFY", Side.SELL, 10, Decimal("1510.00"), at, ProductType.MIS, "cid-1",
        charges,  # type: ignore[arg-type]
    )


def test_a_trade_without_charges_is_priced_by_the_fee_model() -> None:
    fees = fee_model_from_spec("zerodha")
    fill = trade_to_fill(_trade(), fees)
    t = _trade()
    expected = fees.charges(trade_leg(t.instrument_id, t.side, t.quantity, t.price, t.filled_at, t.product))
    assert fill.charges == expected and fill.charges.total > 0


def test_a_trade_with_the_brokers_charges_is_booked_with_those() -> None:
    reported = fee_model_from_spec("bps:3").charges(
        trade_leg("NSE:INFY", Side.SELL, 10, Decimal("1510.00"), _trade().filled_at, ProductType.MIS)
    )
    fill = trade_to_fill(_trade(reported), fee_model_from_spec("zerodha"))
    assert fill.charges == reported
    assert fill.charges != trade_to_fill(_trade(), fee_model_from_spec("zerodha")).charges
