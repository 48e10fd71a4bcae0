"""The bisected buying-power cut gives what cutting one lot at a time gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vyapari.execution.rules import cut_to_buying_power


def _one_lot_at_a_time(held: int, sign: int, qty: int, lot: int, limit: int) -> int:
    while qty > 0:
        after = held + sign * qty
        if abs(after) <= abs(held) or abs(after) <= limit:
            return qty
        qty -= lot
    return 0


@given(held=st.integers(-5_000, 5_000), sign=st.sampled_from([1, -1]), qty=st.integers(0, 20_000),
       lot=st.integers(1, 900), limit=st.integers(0, 30_000))
def test_the_bisection_cuts_to_the_same_quantity(
    held: int, sign: int, qty: int, lot: int, limit: int
) -> None:
    calls: list[int] = []

    def fits(q: int, after: int) -> bool:  # a position limit: monotone, as exposure and charges are
        calls.append(q)
        return abs(after) <= limit

    assert cut_to_buying_power(held, sign, qty, lot, fits) == _one_lot_at_a_time(held, sign, qty, lot, limit)
    assert len(calls) <= 2 + max(qty // lot, 1).bit_length()
