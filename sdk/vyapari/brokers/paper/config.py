"""Configuration of the paper broker, parsed once from a mapping of settings.

Variables (see ``.env.sample``):

Defaults are the backtest's (:mod:`vyapari.costs.defaults`), so that a paper replay and a backtest
of the same strategy and bars give the same P&L unless a setting says otherwise:

* ``PAPER_INITIAL_CAPITAL``: starting cash in ₹ (default 10,00,000).
* ``PAPER_SLIPPAGE_BPS``: adverse fill move in basis points (default: none, as the backtest).
* ``PAPER_COMMISSION_BPS``: brokerage in basis points of turnover (default 3), used only when
  ``PAPER_FEES`` is ``bps``.
* ``PAPER_FEES``: ``zerodha`` (default, as the backtest) or ``upstox`` for the full Indian cost
  model (statutory charges + that broker's brokerage), ``none`` for none, ``bps`` for
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
from vyapari.costs.defaults import DEFAULT_CAPITAL_INR, DEFAULT_FEES, default_fees, default_slippage
from vyapari.execution.limits import DEFAULT_LEVERAGE
from vyapari.model.enums import ProductType

D = TypeVar("D", Decimal, None)

DEFAULT_CAPITAL = DEFAULT_CAPITAL_INR
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
    slippage: SlippageModel = field(default_factory=default_slippage)
    fees: FeeModel = field(default_factory=default_fees)
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
    spec = env.get("PAPER_FEES", DEFAULT_FEES).strip().lower() or DEFAULT_FEES
    if spec == "bps":
        return fee_model_from_spec(f"bps:{_number(env, 'PAPER_COMMISSION_BPS', DEFAULT_COMMISSION_BPS)}")
    if spec not in ("zerodha", "upstox", "none"):
        raise InvalidInput("PAPER_FEES", f"{spec!r} is not one of zerodha, upstox, none, bps")
    return fee_model_from_spec(spec)


def _slippage(env: Mapping[str, str]) -> SlippageModel:
    bps = _number(env, "PAPER_SLIPPAGE_BPS", None)
    return default_slippage() if bps is None else FixedBpsSlippage(bps)


def paper_config_from_env(env: Mapping[str, str]) -> PaperConfig:
    """A :class:`PaperConfig` from ``PAPER_*`` settings in ``env`` (defaults for missing ones)."""
    return PaperConfig(
        initial_capital=_number(env, "PAPER_INITIAL_CAPITAL", DEFAULT_CAPITAL),
        slippage=_slippage(env),
        fees=_fees(env),
        leverage=_number(env, "PAPER_LEVERAGE", None),
    )


def differences_from_backtest(config: PaperConfig) -> list[str]:
    """The settings of ``config`` that differ from a default backtest's, one phrase each
    (``"slippage bps:5 (backtest: none)"``); empty when a replay and a backtest agree."""
    from vyapari.costs.defaults import describe_fees, describe_slippage

    out = []
    if config.initial_capital != DEFAULT_CAPITAL_INR:
        out.append(f"capital ₹{config.initial_capital:,} (backtest: ₹{DEFAULT_CAPITAL_INR:,})")
    slip, base_slip = describe_slippage(config.slippage), describe_slippage(default_slippage())
    if slip != base_slip:
        out.append(f"slippage {slip} (backtest: {base_slip})")
    fees, base_fees = describe_fees(config.fees), describe_fees(default_fees())
    if config.fees != default_fees():
        out.append(f"fees {fees} (backtest: {base_fees})")
    if config.leverage is not None:
        out.append(f"leverage {config.leverage}x for every product (backtest: MIS 5x, CNC and NRML 1x)")
    return out
