"""The one set of cost defaults shared by the backtest and the paper broker.

A backtest and a paper replay of the same strategy on the same bars give the same P&L with
default settings: both charge the full Indian cost model of Zerodha (STT, exchange, SEBI, stamp
duty, GST, DP and Zerodha's brokerage: what a contract note shows) and apply no slippage (fills at
the bar's reference price). Slippage is opt-in on both (``--slippage bps:N`` / ``PAPER_SLIPPAGE_BPS``);
``vyapari live --replay`` prints every paper setting that differs from these.
"""

from __future__ import annotations

from decimal import Decimal

from vyapari.costs.base import FeeModel
from vyapari.costs.slippage import FixedBpsSlippage, NoSlippage, SlippageModel
from vyapari.costs.spec import fee_model_from_spec

DEFAULT_CAPITAL_INR = Decimal("1000000")
"""Starting cash, ₹10,00,000."""

DEFAULT_FEES = "zerodha"
"""Fee spec (:func:`~vyapari.costs.spec.fee_model_from_spec`)."""

DEFAULT_SLIPPAGE = "none"
"""Slippage spec of ``vyapari backtest --slippage``: none."""


def default_fees() -> FeeModel:
    """The default fee model (Zerodha's full charges)."""
    return fee_model_from_spec(DEFAULT_FEES)


def default_slippage() -> SlippageModel:
    """The default slippage model (none)."""
    return NoSlippage()


def describe_slippage(model: SlippageModel) -> str:
    """A short label: ``none``, ``bps:5`` or the model's repr."""
    if isinstance(model, NoSlippage):
        return "none"
    if isinstance(model, FixedBpsSlippage):
        bps = getattr(model, "bps", None)
        if isinstance(bps, Decimal) and bps == 0:
            return "none"
        return f"bps:{bps}"
    return repr(model)


def describe_fees(model: FeeModel) -> str:
    """The model's short name (``zerodha``, ``upstox``, ``none``, ``bps:N``)."""
    return model.name
