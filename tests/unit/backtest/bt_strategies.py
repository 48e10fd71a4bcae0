"""Test strategies: scripted orders and scripted targets."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np

from vyapari.model.enums import ProductType
from vyapari.strategy.context import StrategyContext
from vyapari.strategy.orders import OrderRequest
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.signals import VectorSignal
from vyapari.strategy.sizing import FixedQuantity
from vyapari.strategy.strategy import Strategy


class Scripted(Strategy):
    """Submits the given requests at the given bar indices."""

    name: ClassVar[str] = "scripted"

    def __init__(self, script: dict[int, list[OrderRequest]], product: ProductType = ProductType.CNC) -> None:
        super().__init__(product=product)
        self.script = script
        self.fills: list = []

    def on_bar(self, ctx: StrategyContext) -> None:
        for request in self.script.get(ctx.bar_index, []):
            ctx.submit(request)

    def on_fill(self, ctx: StrategyContext, fill) -> None:
        self.fills.append(fill)


class ArraySignal(VectorSignal):
    """Weights from a function of the panel (for parity and look-ahead tests)."""

    def __init__(self, fn: Callable[[BarPanel], np.ndarray]) -> None:
        self.fn = fn

    def compute(self, panel: BarPanel) -> np.ndarray:
        return self.fn(panel)


def target_strategy(
    fn: Callable[[BarPanel], np.ndarray], qty: int = 10, product: ProductType = ProductType.CNC
) -> Strategy:
    """A vectorisable strategy holding ``qty`` × weight shares."""
    strategy = Strategy(ArraySignal(fn), FixedQuantity(qty), product=product)
    return strategy


class EventTwin(Strategy):
    """The same strategy forced through the event loop (a per-bar hook that only delegates)."""

    name: ClassVar[str] = "event_twin"

    def on_bar(self, ctx: StrategyContext) -> None:
        super().on_bar(ctx)
