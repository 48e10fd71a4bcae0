"""The kernel's netted charges (numba, float64) equal the Decimal ChargeBook fill by fill."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vyapari.backtest.charge_kernel import ITEMS, netted_charges
from vyapari.costs import SimpleFees, UpstoxFees, ZerodhaFees
from vyapari.costs.netting import ChargeBook
from vyapari.costs.scaled import ScaledFees
from vyapari.model.enums import Exchange, Segment, Side

DAYS = [date(2025, 9, 4), date(2025, 9, 5), date(2025, 9, 8)]

fills = st.lists(
    st.tuples(
        st.integers(0, 2),  # session
        st.integers(0, 2),  # column
        st.integers(0, 5),  # order (its own per column and session below)
        st.integers(-300, 300).filter(bool),  # signed units
        st.decimals(Decimal("10"), Decimal("5000"), places=2),
    ),
    min_size=1,
    max_size=40,
)
models = st.sampled_from(
    [
        ZerodhaFees(),
        UpstoxFees(),
        ZerodhaFees(exact_stt=True),
        SimpleFees(Decimal(3)),
        ScaledFees(ZerodhaFees(), 2.0),
    ]
)


@settings(max_examples=300, deadline=None)
@given(fills, models, st.sampled_from([Segment.DELIVERY, Segment.INTRADAY]))
def test_kernel_twin_equals_the_book(rows, fees, segment) -> None:
    rows = sorted(rows, key=lambda r: r[0])  # fills come in time order: sessions never go back
    n = np.array([r[1] for r in rows])
    session = np.array([r[0] for r in rows])
    # an order belongs to one column and side: key it by (session, column, order, side)
    keys: dict[tuple[int, int, int, bool], int] = {}
    order = np.array([keys.setdefault((r[0], r[1], r[2], r[3] > 0), len(keys)) for r in rows])
    qty = np.array([r[3] for r in rows])
    price = np.array([float(r[4]) for r in rows])
    dates = np.array([np.datetime64(DAYS[s]) for s in session], dtype="datetime64[D]")
    twin = netted_charges(fees, Exchange.NSE, segment, n, session, dates, order, qty, price)
    book = ChargeBook(fees)
    for i, r in enumerate(rows):
        side = Side.BUY if r[3] > 0 else Side.SELL
        c = book.book(int(n[i]), Exchange.NSE, DAYS[r[0]], segment, int(order[i]), side, abs(r[3]), r[4])
        expected = [float(v) for v in c.as_dict().values()]
        assert np.allclose(twin[i], expected, atol=1e-6), (i, dict(zip(ITEMS, twin[i], strict=True)), c)
