"""Configuration of the paper broker, parsed once from a mapping of settings.

Variables (see ``.env.sample``):

* ``PAPER_INITIAL_CAPITAL``: starting cash in ₹ (default 10,00,000).
* ``PAPER_SLIPPAGE_BPS``: adverse fill move in basis points (default 5).
* ``PAPER_COMMISSION_BPS``: brokerage in basis points of turnover (default 3), used when
  ``PAPER_FEES`` is unset or ``bps``.
* ``PAPER_FEES``: ``zerodha`` or ``upstox`` for the full Indian cost model (statutory
  charges + that broker's brokerage), ``none`` for none, ``bps`` (default) for
  ``PAPER_COMMISSION_BPS``.
* ``PAPER_LEVERAGE``: gross exposure allowed as a multiple of equity, for every product
  (default: the backtest's per product, MIS 5×, CNC and NRML 1×).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from vyapari.core.errors import InvalidInput
from vyapari.core.money import to_decimal
from vyapari.costs import FeeModel, FixedBpsSlippage, SlippageModel, fee_model_from_spec
from vyapari.execution.limits import DEFAULT_LEVERAGE
from vyapari.model.enums import ProductType

D = TypeVar("D", Decimal, None)

DEFAULT_CAPITAL = Decimal("1000000")
DEFAULT_SLIPPAGE_BPS = Decimal("5")
DEFAULT_COMMISSION_BPS = Decimal("3")


@dataclass(frozen=True, slots=True)
class PaperConfig:
    """How the paper broker fills and charges.

    Attributes
    ----------
    initial_capital : Decimal
        Starting cash in ₹ (> 0).
    slippage : SlippageModel
        Price model for market and stop-market fills (as the backtest's).
    fees : FeeModel
        Cash charges per fill (as the backtest's).
    leverage : Decimal or None
        Gross exposure ≤ ``leverage`` × equity; risk-increasing fills beyond it are cut by lots.
        None (the default; ``PAPER_LEVERAGE`` unset): per the order's product, as the backtest's
        default (:data:`~vyapari.execution.limits.DEFAULT_LEVERAGE`: MIS 5×, CNC and NRML 1×).
    """

    initial_capital: Decimal = DEFAULT_CAPITAL
    slippage: SlippageModel = field(default_factory=lambda: FixedBpsSlippage(DEFAULT_SLIPPAGE_BPS))
    fees: FeeModel = field(default_factory=lambda: fee_model_from_spec(f"bps:{DEFAULT_COMMISSION_BPS}"))
    leverage: Decimal | None = None

    def __post_init__(self) -> None:
        if self.initial_capital <= 0:
            raise InvalidInput("PAPER_INITIAL_CAPITAL", f"must be > 0 ₹, got {self.initial_capital}")
        if self.leverage is not None and self.leverage <= 0:
            raise InvalidInput("PAPER_LEVERAGE", f"must be > 0, got {self.leverage}")

    def leverage_for(self, product: ProductType) -> Decimal:
        """The buying power multiple of an order of ``product``."""
        if self.leverage is not None:
            return self.leverage
        return to_decimal(DEFAULT_LEVERAGE.get(product, 1.0))


def _number(env: Mapping[str, str], name: str, default: D) -> Decimal | D:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        return to_decimal(text, name=name)
    except ValueError as exc:
        raise InvalidInput(name, str(exc)) from None


def _fees(env: Mapping[str, str]) -> FeeModel:
    spec = env.get("PAPER_FEES", "bps").strip().lower() or "bps"
    if spec == "bps":
        return fee_model_from_spec(f"bps:{_number(env, 'PAPER_COMMISSION_BPS', DEFAULT_COMMISSION_BPS)}")
    if spec not in ("zerodha", "upstox", "none"):
        raise InvalidInput("PAPER_FEES", f"{spec!r} is not one of zerodha, upstox, none, bps")
    return fee_model_from_spec(spec)


def paper_config_from_env(env: Mapping[str, str]) -> PaperConfig:
    """A :class:`PaperConfig` from ``PAPER_*`` settings in ``env`` (defaults for missing ones)."""
    return PaperConfig(
        initial_capital=_number(env, "PAPER_INITIAL_CAPITAL", DEFAULT_CAPITAL),
        slippage=FixedBpsSlippage(_number(env, "PAPER_SLIPPAGE_BPS", DEFAULT_SLIPPAGE_BPS)),
        fees=_fees(env),
        leverage=_number(env, "PAPER_LEVERAGE", None),
    )
