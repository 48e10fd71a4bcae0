"""Replay a recorded day through the live engine as ticks.

Each 1-minute bar becomes four trades at +0 s, +15 s, +30 s and +45 s after its start
(open, high, low, close; the volume split among them), so the engine's incremental bar
builder rebuilds exactly the recorded bars and the strategy, risk checks, order manager
and broker run as in live trading. ``speed=None`` replays as fast as possible; ``speed=N``
paces the ticks at N× real time (slices already done before a restart are not paced).
Splits, bonuses and dividends of the panel (a lake's) are settled before their ex-date's first bar
(:meth:`LiveEngine.on_corporate_action`), as the backtest settles them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import numpy as np

from vyapari.live.engine import LiveEngine
from vyapari.model.enums import Exchange
from vyapari.strategy.panel import BarPanel

TICK_OFFSETS_NS = (0, 15_000_000_000, 30_000_000_000, 45_000_000_000)


def load_replay_panel(
    source: Path,
    session: date | None = None,
    exchange: Exchange = Exchange.NSE,
    symbols: list[str] | None = None,
) -> BarPanel:
    """Minute bars of a folder of ``<SYMBOL>.parquet|csv`` files, or of a lake folder for ``session``
    (with the lake's corporate actions, those whose ex-date is ``session`` included)."""
    from vyapari.strategy.feed import FolderDataFeed, LakeDataFeed, load_panel

    if (source / "curated").is_dir() or (source / "raw").is_dir():
        from vyapari.strategy.actions import with_corporate_actions

        feed = LakeDataFeed(source, exchange, symbols, "1m", False)
        panel = load_panel(feed, session, session, exchange=exchange)
        none = np.empty((0, 0))  # the paper account may hold shares from earlier days: settle the
        bare = panel.with_arrays(share_ratio=none, cash_per_share=none)  # day's own actions too
        return with_corporate_actions(bare, feed.corporate_actions(), held_before=True)
    return load_panel(FolderDataFeed(source, symbols), session, session, exchange=exchange)


def panel_ticks(panel: BarPanel) -> Iterator[tuple[int, int, float, float]]:
    """``(column, ts_ns, price ₹, quantity)`` trades rebuilding ``panel``'s bars, in time order."""
    fields = (panel.open, panel.high, panel.low, panel.close)
    for t in range(panel.shape[0]):
        cols = np.flatnonzero(panel.valid[t]).tolist()
        vol = np.nan_to_num(panel.volume[t])
        share = np.floor(vol / 4)
        for k, offset in enumerate(TICK_OFFSETS_NS):
            ts = int(panel.ts[t]) + offset
            prices = fields[k][t]
            qty = share if k < 3 else vol - 3 * share
            for n in cols:
                yield n, ts, float(prices[n]), float(qty[n])


def replay(
    engine: LiveEngine,
    panel: BarPanel,
    speed: float | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Run ``panel`` through ``engine``; returns False when stopped early by ``should_stop``."""
    if panel.symbols != engine.history.symbols:
        raise ValueError("the replay's symbols differ from the engine's")
    wall0 = time.monotonic()
    first = None
    actions = _actions_by_start(panel)
    for n, ts, price, qty in panel_ticks(panel):
        if should_stop():
            return False
        if actions and ts in actions:  # an ex-date's first bar: the minute before ends, then settle
            engine.on_clock(ts)
            for column, ratio, dividend in actions.pop(ts):
                engine.on_corporate_action(column, ts, ratio, dividend)
        if speed is not None and ts > engine.checkpoint_ns + 60_000_000_000:
            first = ts if first is None else first
            ahead = (ts - first) / 1e9 / speed - (time.monotonic() - wall0)
            if ahead > 0:
                sleep(ahead)
        engine.on_price(n, ts, price, qty)
    if len(panel.session_close_ns):
        engine.on_clock(int(panel.session_close_ns[-1]))
    return True


def _actions_by_start(panel: BarPanel) -> dict[int, list[tuple[int, float, float]]]:
    """``{bar start ns: [(column, ratio, dividend ₹/share)]}`` of the panel's corporate actions."""
    if not panel.has_actions:
        return {}
    ratio, dividend = panel.share_ratio, panel.cash_per_share
    out: dict[int, list[tuple[int, float, float]]] = {}
    for t, n in zip(*np.nonzero((ratio != 1.0) | (dividend != 0.0)), strict=True):
        out.setdefault(int(panel.ts[t]), []).append((int(n), float(ratio[t, n]), float(dividend[t, n])))
    return out
