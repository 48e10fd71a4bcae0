"""Data feeds: where a strategy's bars come from.

* :class:`HistoricalDataFeed` (the backtest): per-symbol bar frames for a date range,
  from a folder of ``<SYMBOL>.parquet``/``<SYMBOL>.csv`` files (:class:`FolderDataFeed`),
  from the curated Parquet lake (:class:`LakeDataFeed`, raw or adjusted, daily or minute
  bars), or from frames in memory (:class:`FrameDataFeed`).
* :class:`LiveDataFeed` (paper and live trading): a stream of bars; implemented by the
  live engine.

Frames have columns ``ts`` (bar start; tz-aware, or naive meaning IST), ``open``,
``high``, ``low``, ``close`` (₹) and ``volume`` (shares). :func:`load_panel` aligns them
into a :class:`~vyapari.strategy.panel.BarPanel` on the exchange calendar.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vyapari.core.errors import DataError
from vyapari.core.time import IST
from vyapari.data.corporate_actions import CorporateAction
from vyapari.model.enums import Exchange
from vyapari.strategy.actions import with_corporate_actions
from vyapari.strategy.panel import BarPanel, SessionBounds, build_panel, build_panel_arrays

if TYPE_CHECKING:  # frames are pandas; a Parquet folder loads without it (bar_arrays)
    import pandas as pd

    from vyapari.data.bars import BarArrays


class HistoricalDataFeed(ABC):
    """Bars of many symbols for a date range (inclusive, IST session dates)."""

    @abstractmethod
    def frames(self, start: date | None, end: date | None) -> dict[str, pd.DataFrame]:
        """Bar frames by symbol, each sorted by ``ts``."""

    def corporate_actions(self) -> Mapping[str, Sequence[CorporateAction]]:
        """Splits, bonuses and dividends (by symbol) to settle on raw prices; none by default."""
        return {}

    def bar_arrays(self, start: date | None, end: date | None) -> dict[str, BarArrays] | None:
        """The bars as arrays without pandas (UTC ns starts, ``[bars, 5]`` OHLCV), when the feed can
        read them so; None (the default) means :meth:`frames`."""
        return None


class LiveDataFeed(ABC):
    """A stream of completed bars (implemented by the live engine)."""

    @abstractmethod
    def bars(self) -> Iterator[pd.DataFrame]:
        """Yield one frame per completed time slice (``symbol, ts, open, high, low, close, volume``)."""


def clip_range(frame: pd.DataFrame, start: date | None, end: date | None) -> pd.DataFrame:
    """Rows whose IST date of ``ts`` lies in ``[start, end]``."""
    import pandas as pd

    ts = pd.DatetimeIndex(frame["ts"])
    ts = ts.tz_localize(IST) if ts.tz is None else ts.tz_convert(IST)
    keep = pd.Series(True, index=frame.index)
    if start is not None:
        keep &= ts >= pd.Timestamp(start, tz=IST)
    if end is not None:
        keep &= ts < pd.Timestamp(end + timedelta(days=1), tz=IST)
    return frame.loc[keep.to_numpy()].reset_index(drop=True)


@dataclass(frozen=True)
class FrameDataFeed(HistoricalDataFeed):
    """Bars already in memory (tests, notebooks)."""

    data: Mapping[str, pd.DataFrame]

    def frames(self, start: date | None, end: date | None) -> dict[str, pd.DataFrame]:
        return {s: clip_range(f, start, end) for s, f in self.data.items()}


@dataclass(frozen=True)
class FolderDataFeed(HistoricalDataFeed):
    """A folder with one file per symbol, ``<SYMBOL>.parquet`` or ``<SYMBOL>.csv``."""

    folder: Path
    symbols: Sequence[str] | None = None

    def bar_arrays(self, start: date | None, end: date | None) -> dict[str, BarArrays] | None:
        """Typed Parquet files straight into arrays (:func:`~vyapari.data.bars.read_bar_arrays`)."""
        from vyapari.data.bars import read_bar_arrays

        return read_bar_arrays(self.folder, list(self.symbols) if self.symbols else None, start, end)

    def frames(self, start: date | None, end: date | None) -> dict[str, pd.DataFrame]:
        from vyapari.data.bars import read_bar_folder

        if not self.folder.is_dir():
            raise DataError(f"--data: {self.folder} is not a folder")
        return read_bar_folder(
            self.folder, symbols=list(self.symbols) if self.symbols else None, start=start, end=end
        )


@dataclass(frozen=True)
class LakeDataFeed(HistoricalDataFeed):
    """The curated lake on any object store: minute bars (``interval`` 1m/5m/…) or daily (``1d``).

    ``lake`` is a :class:`~vyapari.data.lake.Lake`, or a local folder path. ``adjusted``
    reads split/bonus-adjusted prices (default: raw, the prices that traded). ``follow_series``
    (daily bars) follows a symbol across its NSE cash series (EQ, BE, BZ; see
    :meth:`~vyapari.data.lake.Lake.read_daily_bars`).
    """

    lake: Any
    exchange: Exchange = Exchange.NSE
    symbols: Sequence[str] | None = None
    interval: str = "1m"
    adjusted: bool = False
    follow_series: bool = False

    def corporate_actions(self) -> Mapping[str, Sequence[CorporateAction]]:
        """The lake's curated actions when reading raw prices (none for ``adjusted`` reads, whose
        prices already absorb them): a run then settles them as a broker does."""
        if self.adjusted:
            return {}
        from vyapari.data.adjust import load_actions

        return load_actions(self._lake().store, Exchange(self.exchange).value)

    def _lake(self) -> Any:
        from vyapari.data.lake import Lake

        return self.lake if isinstance(self.lake, Lake) else Lake.at(Path(self.lake))

    def frames(self, start: date | None, end: date | None) -> dict[str, pd.DataFrame]:
        lake = self._lake()
        exchange = Exchange(self.exchange).value
        symbols = list(self.symbols) if self.symbols else None
        if start is None or end is None:
            if self.interval == "1d":
                raise DataError("--lake with daily bars needs --start and --end")
            stored = lake.minute_session_range(exchange, symbols)
            if stored is None:
                raise DataError(f"the lake has no {exchange} minute bars"
                                + (f" of {', '.join(symbols)}" if symbols else "") + ": ingest some first")
            start, end = start or stored[0], end or stored[1]
        if self.interval == "1d":
            bars = lake.read_daily_bars(exchange, symbols, start, end, adjusted=self.adjusted,
                                        follow_series=self.follow_series)
            return {
                str(s): g.drop(columns=["symbol", "series"], errors="ignore").reset_index(drop=True)
                for s, g in bars.groupby("symbol")
            }
        if self.follow_series:
            raise DataError("--follow-series applies to daily bars (--interval 1d)")
        out = {}
        for s in symbols or lake.minute_symbols(exchange):
            frame = lake.read_minute_bars(exchange, s, start, end, self.adjusted, self.interval)
            if len(frame):
                out[s] = frame.drop(columns="symbol", errors="ignore").reset_index(drop=True)
        return out


def load_panel(
    feed: HistoricalDataFeed,
    start: date | None,
    end: date | None,
    *,
    exchange: Exchange = Exchange.NSE,
    session_bounds: SessionBounds | None = None,
    lot_sizes: Mapping[str, int] | None = None,
) -> BarPanel:
    """Read ``feed`` for ``[start, end]``, align it on ``exchange``'s calendar and attach the
    feed's corporate actions (:func:`~vyapari.strategy.actions.with_corporate_actions`)."""
    arrays = feed.bar_arrays(start, end)
    if session_bounds is None:
        from vyapari.market.calendar import get_calendar

        session_bounds = get_calendar(exchange).session_bounds
    if arrays is not None:  # pandas-free: a short run need not import it
        arrays = {s: a for s, a in arrays.items() if len(a[0])}
        panel = build_panel_arrays({s: a[0] for s, a in arrays.items()}, {s: a[1] for s, a in arrays.items()},
                                   session_bounds, lot_sizes=lot_sizes)
    else:
        frames = {s: f for s, f in feed.frames(start, end).items() if len(f)}
        panel = build_panel(frames, session_bounds, lot_sizes=lot_sizes)
    actions = feed.corporate_actions()
    return with_corporate_actions(panel, actions) if actions else panel
