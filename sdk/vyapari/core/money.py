"""Money as :class:`decimal.Decimal` with explicit rounding rules.

Conventions
-----------
* Every rupee amount is a ``Decimal`` in ₹ (never float, never paise integers).
* Rounding is always explicit: :func:`round_paise` (to ₹0.01) for items on a contract
  note, :func:`round_rupee` (to ₹1) for STT as brokers print it. Both round half up,
  the convention Indian contract notes use.
* Rates are fractions (``Decimal("0.00025")`` is 0.025 %), never percentages.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0")
PAISA = Decimal("0.01")
RUPEE = Decimal("1")


def to_decimal(value: object, *, name: str = "value") -> Decimal:
    """Convert ``value`` to a finite ``Decimal`` exactly.

    Floats go through ``repr`` so ``0.1`` becomes ``Decimal("0.1")``, not its binary
    expansion. Raises ``ValueError`` naming ``name`` for anything not a finite number.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError(f"{name}: expected a number, got a boolean")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(float.__repr__(value))  # also for numpy.float64, whose repr differs
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"{name}: {value!r} is not a number") from None
    else:
        raise ValueError(f"{name}: expected a number, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{name}: {value!r} is not a finite number")
    return result


def round_paise(amount: Decimal) -> Decimal:
    """Round ₹ ``amount`` half up to the paisa (₹0.01)."""
    return amount.quantize(PAISA, rounding=ROUND_HALF_UP)


def round_rupee(amount: Decimal) -> Decimal:
    """Round ₹ ``amount`` half up to the whole rupee (how STT appears on contract notes)."""
    return amount.quantize(RUPEE, rounding=ROUND_HALF_UP)


def round_to_step(price: Decimal, step: Decimal, *, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round ``price`` to a multiple of ``step`` (a tick size in ₹)."""
    if step <= 0:
        raise ValueError(f"step must be positive, got {step}")
    return (price / step).quantize(RUPEE, rounding=rounding) * step


def format_inr(amount: Decimal) -> str:
    """Format ₹ ``amount`` with Indian digit grouping, e.g. ``₹12,34,567.89``."""
    sign = "-" if amount < 0 else ""
    text = f"{abs(round_paise(amount)):.2f}"
    whole, frac = text.split(".")
    if len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        groups: list[str] = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        whole = ",".join([*groups, tail])
    return f"{sign}₹{whole}.{frac}"
