from datetime import datetime
from decimal import Decimal

import pytest

from vyapari.core.errors import DuplicateFill
from vyapari.core.time import IST
from vyapari.model.charges import NO_CHARGES, Charges
from vyapari.model.enums import Side
from vyapari.model.events import Fill
from vyapari.model.portfolio import Portfolio
from vyapari.model.position import Position

AT = datetime(2026, 1, 2, 9, 16, tzinfo=IST)


def fill(tid, side, qty, price, charges=NO_CHARGES, iid="NSE:TCS"):
    return Fill(tid, "c", iid, side, qty, Decimal(price), AT, charges=charges)


def test_position_rejects_duplicate_trade_id():
    pos = Position("NSE:TCS")
    pos.apply(fill("t1", Side.BUY, 10, "100"))
    with pytest.raises(DuplicateFill):
        pos.apply(fill("t1", Side.BUY, 10, "100"))
    assert pos.quantity == 10


def test_position_realises_pnl_on_reduce_and_flip():
    pos = Position("NSE:TCS")
    pos.apply(fill("t1", Side.BUY, 10, "100"))
    pos.apply(fill("t2", Side.BUY, 10, "110"))
    assert pos.average_price == Decimal("105")
    assert pos.apply(fill("t3", Side.SELL, 5, "120")) == Decimal("75")
    assert pos.apply(fill("t4", Side.SELL, 25, "90")) == Decimal("-225")
    assert pos.quantity == -10
    assert pos.average_price == Decimal("90")
    assert pos.apply(fill("t5", Side.BUY, 10, "80")) == Decimal("100")
    assert pos.quantity == 0 and pos.average_price == 0
    assert pos.realised_pnl == Decimal("-50")


def test_fill_requires_aware_time_and_positive_price():
    with pytest.raises(ValueError, match="naive"):
        Fill("t", "c", "NSE:TCS", Side.BUY, 1, Decimal("1"), datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="price"):
        Fill("t", "c", "NSE:TCS", Side.BUY, 1, Decimal("0"), AT)


def test_portfolio_books_cash_positions_and_itemised_charges():
    pf = Portfolio(initial_cash=Decimal("100000"))
    c1 = Charges(brokerage=Decimal("20"), stamp_duty=Decimal("3"))
    c2 = Charges(brokerage=Decimal("20"), stt=Decimal("25"))
    pf.apply(fill("t1", Side.BUY, 100, "500", c1))
    pf.apply(fill("t2", Side.SELL, 40, "510", c2))
    assert pf.cash == Decimal("100000") - 50000 - 23 + 20400 - 45
    assert pf.charges_paid.brokerage == Decimal("40")
    assert pf.charges_paid.total == Decimal("68")
    assert pf.realised_pnl == Decimal("400")
    marks = {"NSE:TCS": Decimal("505")}
    assert pf.unrealised_pnl(marks) == Decimal("300")
    assert pf.equity(marks) == pf.initial_cash + 400 + 300 - 68


def test_charges_paid_is_the_running_sum_of_applied_fills_str_for_str():
    pf = Portfolio(initial_cash=Decimal("100000"))
    mixed = [
        NO_CHARGES,
        Charges(brokerage=Decimal("20.000"), gst=Decimal("3.6000")),
        NO_CHARGES,
        Charges(stt=Decimal("1"), dp=Decimal("15.34")),
    ]
    expected = NO_CHARGES
    for i, charges in enumerate(mixed):
        pf.apply(fill(f"t{i}", Side.BUY, 1, "500", charges))
        expected = expected + charges
        assert repr(pf.charges_paid) == repr(expected)  # exponents included
    with pytest.raises(DuplicateFill):  # a refused fill pays nothing
        pf.apply(fill("t1", Side.BUY, 1, "500", mixed[1]))
    assert repr(pf.charges_paid) == repr(expected)
    again = Portfolio(initial_cash=Decimal("1"), fills=list(pf.fills))  # given, not applied here
    assert again.charges_paid == NO_CHARGES
