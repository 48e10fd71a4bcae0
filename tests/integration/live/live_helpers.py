"""Shared set-up of live-engine tests: a paper broker, an engine, a replayed panel."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from vyapari.backtest.config import BacktestConfig, EnginePath
from vyapari.backtest.engine import run_backtest
from vyapari.brokers.paper import PaperBrokerAdapter, PaperConfig
from vyapari.costs import FixedBpsSlippage, fee_model_from_spec
from vyapari.live.bars import SessionTable
from vyapari.live.engine import LiveConfig, LiveEngine
from vyapari.live.ports import InMemoryMetrics, InMemoryPublisher
from vyapari.live.replay import replay
from vyapari.live.risk import RiskLimits
from vyapari.live.store import InMemoryOrderStateStore, OrderStateStore
from vyapari.market.calendar import get_calendar
from vyapari.strategies import make_strategy
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.strategy import Strategy

ZERODHA = fee_model_from_spec("zerodha")

CAPITAL = 1_000_000.0
SLIPPAGE_BPS = Decimal("5")


def paper_broker(path: Path | None = None) -> PaperBrokerAdapter:
    """A paper broker with Zerodha charges and 5 bps slippage (journaled when ``path`` is given)."""
    config = PaperConfig(
        Decimal(str(int(CAPITAL))),
        FixedBpsSlippage(SLIPPAGE_BPS),
        fee_model_from_spec("zerodha"),
        Decimal("5"),
    )
    if path is None:
        return PaperBrokerAdapter(config)
    from vyapari.brokers.paper.journal import JournaledPaperBrokerAdapter

    return JournaledPaperBrokerAdapter(path, config)


def make_engine(
    name: str,
    params: dict[str, Any],
    panel: BarPanel,
    *,
    broker: Any = None,
    store: OrderStateStore | None = None,
    limits: RiskLimits | None = None,
    run_id: str = "parity",
    capital: float = CAPITAL,
    strategy: Strategy | None = None,
) -> LiveEngine:
    """A live engine for strategy ``name`` (or the instance ``strategy``) over ``panel``'s symbols
    on a paper broker (the engine's ledger starts with ``capital`` ₹: give the broker the same)."""
    config = LiveConfig(run_id=run_id, capital_inr=capital, fees="zerodha", limits=limits or RiskLimits())
    return LiveEngine(
        strategy or make_strategy(name, params),
        broker or paper_broker(),
        panel.symbols,
        config,
        store or InMemoryOrderStateStore(),
        SessionTable(get_calendar("NSE").session_bounds),
        lot_sizes=panel.lot_sizes,
        publisher=InMemoryPublisher(),
        metrics=InMemoryMetrics(),
    )


def run_live(name: str, params: dict[str, Any], panel: BarPanel, **kwargs: Any) -> LiveEngine:
    """Replay ``panel`` through a fresh engine at full speed."""
    engine = make_engine(name, params, panel, **kwargs)
    replay(engine, panel)
    return engine


def backtest(name: str, params: dict[str, Any], panel: BarPanel) -> Any:
    """The event-loop backtest with the same fees and slippage."""
    config = BacktestConfig(
        capital_inr=CAPITAL, fees=ZERODHA, slippage=FixedBpsSlippage(SLIPPAGE_BPS), path=EnginePath.EVENT
    )
    return run_backtest(make_strategy(name, params), panel, config)


def live_fills(engine: LiveEngine, panel: BarPanel) -> list[tuple[int, int, int, float, float]]:
    """(slice, column, signed qty, price ₹, charges ₹) per fill, in booking order."""
    row = {int(ts): t for t, ts in enumerate(panel.ts.tolist())}
    out = []
    for f in engine.account.portfolio.fills:
        ns = int(f.filled_at.timestamp()) * 1_000_000_000
        col = engine.columns[f.instrument_id]
        out.append((row[ns], col, f.signed_quantity, float(f.price), float(f.charges.total)))
    return sorted(out)


def backtest_fills(result: Any) -> list[tuple[int, int, int, float, float]]:
    """The backtest's fills in the same shape."""
    f = result.fills
    rows = zip(f.t.tolist(), f.n.tolist(), f.qty.tolist(), f.price.tolist(), f.charges.tolist(), strict=True)
    return sorted((int(t), int(n), int(q), float(p), float(c)) for t, n, q, p, c in rows)


def positions(engine: LiveEngine) -> np.ndarray:
    """The engine's positions."""
    return engine.account.pos.copy()


def write_bar_folder(panel: BarPanel, folder: Path) -> Path:
    """``panel``'s bars as one ``<SYMBOL>.parquet`` per symbol in ``folder`` (what ``--replay`` reads)."""
    import pandas as pd

    ts = panel.timestamps()
    for n, symbol in enumerate(panel.symbols):
        columns = {c: getattr(panel, c)[:, n] for c in ("open", "high", "low", "close", "volume")}
        pd.DataFrame({"ts": ts, **columns}).to_parquet(folder / f"{symbol}.parquet")
    return folder


def counters(engine: LiveEngine) -> dict[str, float]:
    """The counters of ``engine``'s metrics (an :class:`InMemoryMetrics`)."""
    assert isinstance(engine.metrics, InMemoryMetrics)
    return engine.metrics.counters
