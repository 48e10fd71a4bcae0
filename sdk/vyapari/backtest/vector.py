"""The array path: a vectorised strategy's targets → kernel fills → prices, charges, equity.

Runs only strategies whose ``is_vectorisable`` is true. If a fill would break the
buying-power rule (which the event loop enforces by reducing or rejecting orders),
:class:`NeedsEventLoop` is raised so the engine can rerun on the event loop: the kernel
never returns a result the event loop would not give.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vyapari.backtest.charge_kernel import netted_charges
from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.fill_refs import REF_OPEN
from vyapari.backtest.results import BacktestResult, FillArrays, OrderArrays, build_result
from vyapari.backtest.rules import SquareOffPlan, squareoff_plan
from vyapari.core.aot import kernel
from vyapari.core.time import ist_from_ns
from vyapari.costs.slippage import SlippageModel
from vyapari.execution.limits import may_sell_short, short_rejection
from vyapari.execution.pricing import fill_prices, volume_caps
from vyapari.model.enums import ProductType
from vyapari.strategy.actions import settled_targets
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.strategy import Strategy
from vyapari.strategy.volume import volumeless_symbols


class NeedsEventLoop(Exception):
    """The kernel met a case only the event loop handles (e.g. an order beyond buying power)."""


def fill_dates(panel: BarPanel, t: np.ndarray) -> np.ndarray:
    """Session date (``datetime64[D]``) of each fill slice ``t``."""
    return panel.session_dates[panel.session[t]].astype("datetime64[D]")


@dataclass(frozen=True, eq=False)
class PanelPrep:
    """What every run on one panel under one slippage model shares, whatever the strategy: the MIS
    square-off plan, the most shares each bar may fill and the symbols that traded no volume at
    all. A sweep computes it once per panel."""

    panel: BarPanel
    slippage: SlippageModel
    plan: SquareOffPlan
    caps: np.ndarray
    volumeless: list[str]

    def fits(self, panel: BarPanel, config: BacktestConfig) -> bool:
        """True when this was prepared for ``panel`` (the same object) and ``config``'s slippage."""
        return self.panel is panel and self.slippage == config.slippage


def prepare_panel(panel: BarPanel, config: BacktestConfig) -> PanelPrep:
    """The :class:`PanelPrep` of ``panel`` under ``config``'s slippage model."""
    caps = volume_caps(config.slippage, panel.volume)
    return PanelPrep(panel, config.slippage, squareoff_plan(panel), caps, volumeless_symbols(panel))


def run_vectorised(
    strategy: Strategy, panel: BarPanel, config: BacktestConfig, prep: PanelPrep | None = None
) -> BacktestResult:
    """Run ``strategy`` through the kernel; see the module docstring. ``prep`` (from
    :func:`prepare_panel`, used only when it fits ``panel`` and ``config``) saves recomputing it."""
    # signals and sizing read first-session shares (a split is no signal); targets in shares now
    targets = settled_targets(strategy.target_quantities, panel, config.capital_inr)
    if prep is None or not prep.fits(panel, config):
        prep = prepare_panel(panel, config)
    plan, caps = prep.plan, prep.caps
    is_mis = strategy.product is ProductType.MIS
    raw, orders = kernel("target_fills")(
        targets,
        panel.valid,
        caps,
        plan.at_open,
        plan.at_close,
        plan.after,
        panel.lot_sizes,
        is_mis,
        not may_sell_short(strategy.product),
        config.fill_at.value == "same_close",
        panel.ratios,
    )
    t, n, qty, ref, order = (raw[:, i] for i in range(5))
    ref_price = np.where(ref == REF_OPEN, panel.open[t, n], panel.close[t, n])
    price = fill_prices(config.slippage, np.sign(qty), ref_price, qty, panel.volume[t, n])
    segment = config.segment_for(strategy.product)
    items = netted_charges(
        config.fees, config.exchange, segment, n, panel.session[t], fill_dates(panel, t), order, qty, price
    )
    charges = items.sum(axis=1)
    equity, positions, violation = kernel("account")(
        raw,
        price,
        charges,
        panel.close,
        panel.valid,
        config.capital_inr,
        config.leverage_for(strategy.product),
        panel.ratios,
        panel.dividends,
    )
    if violation >= 0:
        at = ist_from_ns(int(panel.ts[t[violation]])).strftime("%Y-%m-%d %H:%M IST")
        raise NeedsEventLoop(f"buying {abs(int(qty[violation]))} {panel.symbols[n[violation]]} at {at}")
    return build_result(
        strategy=strategy.name,
        params=strategy.params,
        config=config,
        panel=panel,
        segment=segment,
        path="vector",
        equity=equity,
        positions=positions,
        fills=FillArrays(t, n, qty, price, charges, order),
        orders=OrderArrays(
            orders[:, 0],
            orders[:, 1],
            orders[:, 2],
            orders[:, 3],
            reason=[short_rejection(strategy.product) if r else "" for r in orders[:, 4].tolist()],
        ),
    )
