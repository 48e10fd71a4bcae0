"""One simple form at the edge: ``fees="zerodha"`` or a ``FeeModel``, normalised in one place."""

from __future__ import annotations

import dataclasses
from decimal import Decimal, InvalidOperation

from vyapari.core.errors import InvalidInput
from vyapari.core.money import to_decimal
from vyapari.costs.base import FeeModel, NoFees, SimpleFees
from vyapari.costs.indian import UpstoxFees, ZerodhaFees
from vyapari.costs.slippage import FixedBpsSlippage, NoSlippage, SlippageModel, VolumeShareSlippage

FEE_SPECS = ("zerodha", "upstox", "none", "bps:N")
"""The string forms :func:`fee_model_from_spec` accepts."""

_FLAGS = ("include_ipft", "gst_on_ipft", "exact_stt", "include_dp")


def _check_flags(flags: dict[str, bool]) -> None:
    unknown = sorted(set(flags) - set(_FLAGS))
    if unknown:
        raise InvalidInput("fees", f"unknown flag(s) {', '.join(unknown)}; known: {', '.join(_FLAGS)}")


def _bps(text: str, spec: str) -> Decimal:
    try:
        return to_decimal(text, name="bps")
    except ValueError:
        raise InvalidInput("fees", f"{spec!r}: N in 'bps:N' must be a number of basis points") from None


def fee_model_from_spec(spec: str | FeeModel, **flags: bool) -> FeeModel:
    """Normalise a fee spec to a :class:`FeeModel`.

    Parameters
    ----------
    spec : str or FeeModel
        ``"zerodha"``, ``"upstox"``, ``"none"``, ``"bps:N"`` (brokerage of N basis points of
        turnover, nothing else; case-insensitive), or a model, returned as is (with
        ``flags`` applied when given).
    **flags : bool
        Broker quirks for the Indian models: ``include_ipft``, ``gst_on_ipft``,
        ``exact_stt``, ``include_dp``. Not accepted with ``"none"`` or ``"bps:N"``.

    Raises
    ------
    InvalidInput
        (a ``ValueError``) naming ``fees`` for an unknown spec, a bad N or a flag the
        model does not take.
    """
    _check_flags(flags)
    if isinstance(spec, FeeModel):
        return _with_flags(spec, flags)
    if not isinstance(spec, str):
        raise InvalidInput("fees", f"expected one of {', '.join(FEE_SPECS)} or a FeeModel, got {spec!r}")
    text = spec.strip().lower()
    if text == "zerodha":
        return _with_flags(ZerodhaFees(), flags)
    if text == "upstox":
        return _with_flags(UpstoxFees(), flags)
    if text == "none":
        return _with_flags(NoFees(), flags)
    if text.startswith("bps:"):
        return _with_flags(SimpleFees(_bps(text[4:], spec)), flags)
    raise InvalidInput("fees", f"{spec!r} is not one of {', '.join(FEE_SPECS)}")


def _with_flags(model: FeeModel, flags: dict[str, bool]) -> FeeModel:
    if not flags:
        return model
    names: set[str] = (
        {f.name for f in dataclasses.fields(model)} if dataclasses.is_dataclass(model) else set()
    )
    if not set(flags) <= names:
        raise InvalidInput("fees", f"{model.name!r} does not take flags {', '.join(sorted(flags))}")
    return dataclasses.replace(model, **flags)  # type: ignore[type-var]


SLIPPAGE_SPECS = (
    "none, bps:N (fixed) or volume[:LIMIT[:IMPACT]] (volume share; default none, as the paper broker's)"
)
"""The string forms :func:`slippage_from_spec` accepts."""


def slippage_from_spec(spec: str | SlippageModel) -> SlippageModel:
    """``none``, ``bps:N`` or ``volume[:LIMIT[:IMPACT]]`` (or a model, returned as is) → a
    :class:`~vyapari.costs.slippage.SlippageModel`; :class:`InvalidInput` naming ``slippage`` else."""
    if isinstance(spec, SlippageModel):
        return spec
    kind, _, rest = spec.strip().lower().partition(":")
    try:
        if kind == "none" and not rest:
            return NoSlippage()
        if kind == "bps" and rest:
            return FixedBpsSlippage(Decimal(rest))
        if kind == "volume":
            parts = [Decimal(x) for x in rest.split(":")] if rest else []
            return VolumeShareSlippage(*parts)
    except (InvalidOperation, TypeError):
        pass
    raise InvalidInput("slippage", f"{spec!r} is not one of: {SLIPPAGE_SPECS}")
