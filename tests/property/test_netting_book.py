"""The book's fill-by-fill charges add up to the day's contract notes, and a preview is what books."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from vyapari.costs import SimpleFees, UpstoxFees, ZerodhaFees
from vyapari.costs.netting import ChargeBook
from vyapari.costs.scaled import ScaledFees
from vyapari.model.charges import NO_CHARGES, Charges
from vyapari.model.enums import Exchange, Segment, Side

DAYS = [date(2025, 9, 4), date(2025, 9, 5)]

fills = st.lists(
    st.tuples(
        st.integers(0, 1),  # session
        st.integers(0, 2),  # scrip
        st.integers(0, 40),  # order (many per scrip-day: the book must not slow down with them)
        st.integers(-300, 300).filter(bool),  # signed units
        st.decimals(Decimal("10"), Decimal("5000"), places=2),
        st.booleans(),  # previewed first (as the buying-power check does)
        st.booleans(),  # an MIS fill previewed (never booked) before: the scrip-day is not MIS for it
    ),
    min_size=1,
    max_size=80,
)
models = st.sampled_from(
    [ZerodhaFees(), UpstoxFees(), SimpleFees(Decimal(3)), ScaledFees(UpstoxFees(), 0.37)]
)


@settings(max_examples=200, deadline=None)
@given(fills, models, st.sampled_from([Segment.DELIVERY, Segment.INTRADAY]))
def test_booked_charges_add_up_to_the_contract_notes(rows, fees, segment) -> None:
    rows = sorted(rows, key=lambda r: r[0])
    book = ChargeBook(fees)
    booked = NO_CHARGES
    for day, scrip, order, units, price, previewed, other in rows:
        side = Side.BUY if units > 0 else Side.SELL
        if other:
            book.preview(scrip, Exchange.NSE, DAYS[day], Segment.INTRADAY, "other", side, 1, price)
        args = (scrip, Exchange.NSE, DAYS[day], segment, (day, scrip, order, side), side, abs(units), price)
        preview = book.preview(*args) if previewed else None
        charges = book.book(*args)
        if preview is not None:
            assert str(preview) == str(charges)
        booked = booked + charges
    notes = sum(book.order_charges().values(), NO_CHARGES) + Charges(
        dp=sum(book.dp_charges().values(), Decimal(0))
    )
    assert booked == notes
    fresh = ChargeBook(fees)  # what was only previewed left nothing behind
    for day, scrip, order, units, price, _, _ in rows:
        side = Side.BUY if units > 0 else Side.SELL
        fresh.book(
            scrip, Exchange.NSE, DAYS[day], segment, (day, scrip, order, side), side, abs(units), price
        )
    assert fresh.order_charges() == book.order_charges() and fresh.dp_charges() == book.dp_charges()
