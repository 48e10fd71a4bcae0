"""The market-data lake: ingest exchange files, read bars for the engine (local folder or S3).

Bars returned by :meth:`Lake.read_daily_bars` and :meth:`Lake.read_minute_bars` have columns
``symbol, ts, open, high, low, close, volume``, sorted by ``(symbol, ts)``: ``ts`` is tz-aware IST and
labels the bar by its **start** (a daily bar is stamped at its session's open from the exchange calendar:
09:15 IST on a regular day, the evening open on a Muhurat day), prices in
₹ (float64), volume in shares (int64). ``adjusted=True`` applies splits and bonuses (optionally cash
dividends) from ``curated/corporate_actions`` on read; stored prices are never rewritten.

Series: NSE daily reads keep the ``EQ`` series by default. A scrip moved to the trade-for-trade
``BE``/``BZ`` series (surveillance) leaves ``EQ`` for those sessions; ``follow_series=True`` reads a
symbol across its cash series (:data:`CASH_SERIES`), matched by ISIN where the file has one (so a
rename is followed too), else by symbol, with a ``series`` column saying which each bar came from.
:meth:`Lake.series_moves` lists the sessions an ``EQ``-only read leaves out because of such a move.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from vyapari.core.errors import DataError, InvalidInput
from vyapari.core.symbols import check_symbol
from vyapari.data import layout
from vyapari.data.batch import OnResult, ingest_paths
from vyapari.data.day_state import check_day
from vyapari.data.ingest import Ingester, IngestResult, SessionCheck
from vyapari.data.parquet_io import from_parquet_bytes
from vyapari.data.schema import BAR_COLUMNS
from vyapari.data.storage import LocalObjectStore, ObjectStore, sweep_temporaries
from vyapari.data.validation import ValidationPolicy

if TYPE_CHECKING:  # pandas (and the bar readers) load when bars are read: ingesting needs neither
    import pandas as pd

#: NSE cash-market series of ordinary shares: rolling (EQ), trade-for-trade (BE), and
#: trade-for-trade for non-compliant companies (BZ).
CASH_SERIES = ("EQ", "BE", "BZ")


def session_opens(exchange: str, days: pd.Series) -> pd.Series:
    """The open instant (tz-aware IST) of each session date in ``days`` from ``exchange``'s calendar.

    A date the calendar does not know as a session keeps the regular 09:15 IST open (the bar is then
    refused later, by name, as outside every session).
    """
    import pandas as pd

    from vyapari.market.calendar import get_calendar

    dates = pd.to_datetime(days)
    stamps = dates.dt.tz_localize("Asia/Kolkata") + pd.Timedelta(hours=9, minutes=15)
    if dates.empty:
        return stamps
    first, last = dates.min().date(), dates.max().date()
    sessions, opens, _ = get_calendar(exchange).session_bounds(first, last)
    open_at = pd.Series(pd.to_datetime(opens, utc=True).tz_convert("Asia/Kolkata"),
                        index=pd.to_datetime(sessions))
    found = dates.map(open_at)
    return found.where(found.notna(), stamps)


def empty_bars() -> pd.DataFrame:
    """An empty bar frame with the engine's columns and dtypes."""
    import numpy as np
    import pandas as pd

    return pd.DataFrame({
        "symbol": pd.Series([], dtype=object), "ts": pd.Series([], dtype="datetime64[ns, Asia/Kolkata]"),
        **{c: pd.Series([], dtype=np.float64) for c in ("open", "high", "low", "close")},
        "volume": pd.Series([], dtype=np.int64),
    })


def _follow(table: pd.DataFrame, symbols: list[str] | None) -> pd.DataFrame:
    """Rows of :data:`CASH_SERIES` for ``symbols`` (all when ``None``), matched by ISIN where the file
    has one, renamed to the requested symbol; one row per (symbol, session), EQ first."""
    import pandas as pd

    cash = table[table["series"].isin(CASH_SERIES)].copy()
    isin = cash["isin"].fillna("").astype(str) if "isin" in cash.columns else pd.Series("", index=cash.index)
    cash["_isin"] = isin
    if symbols is not None:
        wanted = set(symbols)
        by_isin = {i: s for s, i in zip(cash["symbol"], cash["_isin"], strict=True) if i and s in wanted}
        renamed = cash["_isin"].map(by_isin)
        keep = cash["symbol"].isin(wanted) | renamed.notna()
        cash["symbol"] = renamed.where(renamed.notna(), cash["symbol"])
        cash = cash[keep]
    cash["_rank"] = cash["series"].map({s: i for i, s in enumerate(CASH_SERIES)})
    cash = cash.sort_values(["symbol", "session_date", "_rank"], kind="stable")
    return cash.drop_duplicates(["symbol", "session_date"]).drop(columns=["_isin", "_rank"])


def _check_range(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("end", f"{end.isoformat()} is before start {start.isoformat()}")


class Lake:
    """The lake on an :class:`~vyapari.data.storage.ObjectStore` (layout in :mod:`vyapari.data.layout`).

    Parameters
    ----------
    store : ObjectStore
        Where objects live (``LocalObjectStore(folder)`` by default via :meth:`at`).
    session_check : callable, optional
        ``session_check(exchange) -> is_session``; defaults to the project calendar.
    policy : ValidationPolicy, optional
        Row-level validation policy (default: drop bad rows and record them).
    """

    def __init__(self, store: ObjectStore, *, session_check: SessionCheck | None = None,
                 policy: ValidationPolicy | None = None) -> None:
        self.store = store
        self._ingester = Ingester(store, session_check=session_check, policy=policy)
        self._swept = False

    def sweep(self) -> list[str]:
        """Remove temporaries left by killed writes (once per lake object; ingesting does it first)."""
        self._swept = True
        return sweep_temporaries(self.store)

    def _sweep_once(self) -> None:
        if not self._swept:
            self.sweep()

    @classmethod
    def at(cls, folder: str | os.PathLike[str], **kwargs: object) -> Lake:
        """A lake in a local folder."""
        return cls(LocalObjectStore(folder), **kwargs)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ ingestion
    def ingest_file(self, path_or_bytes: str | os.PathLike[str] | bytes,
                    name: str | None = None) -> IngestResult:
        """Ingest one file (a path, or its bytes plus its original ``name``); never raises on bad data.

        Returns
        -------
        IngestResult
            ``ingested``, ``unchanged`` or ``rejected`` (with a machine-readable ``reason``).
        """
        self._sweep_once()
        if isinstance(path_or_bytes, bytes):
            if not name:
                raise InvalidInput("name", "the original file name is required with bytes")
            return self._ingester.ingest(path_or_bytes, name)
        path = Path(path_or_bytes)
        if not path.is_file():
            raise InvalidInput("path", f"{path} is not a file")
        return self._ingester.ingest(path.read_bytes(), name or path.name)

    def ingest_files(self, paths: Sequence[str | os.PathLike[str]], workers: int = 1,
                     on_result: OnResult | None = None) -> list[IngestResult]:
        """Ingest local files; the lake ends up as after :meth:`ingest_file` on each, in order.

        Parameters
        ----------
        paths : sequence of paths
            Files, in the order to ingest (the CLI passes them in session-date order).
        workers : int
            Processes to use (1: in this process). Files of the same session date (from the name)
            are ingested in order by one worker; each file's writes are atomic.
        on_result : callable, optional
            Called with each result as it arrives (for progress display).

        Returns
        -------
        list of IngestResult
            One per path, in the order of ``paths``.
        """
        self._sweep_once()
        return ingest_paths(self._ingester, [Path(p) for p in paths], workers, on_result)

    # ------------------------------------------------------------------ daily bars
    def read_daily_table(self, exchange: str, start: date, end: date,
                         dataset: str = "daily_bars") -> pd.DataFrame:
        """All curated rows of ``dataset`` for ``exchange`` with ``start <= session_date <= end``.

        Each day is read through its state record (:func:`~vyapari.data.day_state.check_day`): a file
        its record does not name raises :class:`DataError` instead of being served.
        """
        import pandas as pd

        _check_range(start, end)
        frames = []
        for year in range(start.year, end.year + 1):
            for key in self.store.list(layout.day_prefix(dataset, exchange, year)):
                day = layout.date_of_day_key(key)
                if day is not None and start <= day <= end:
                    body = self.store.get(key)
                    check_day(self.store, key, layout.state_key(dataset, exchange, day), body)
                    frames.append(from_parquet_bytes(body).to_pandas())
        if not frames:
            return pd.DataFrame()
        out = pd.concat(frames, ignore_index=True)
        out.insert(1, "exchange", exchange)
        return out

    def read_daily_bars(self, exchange: str, symbols: list[str] | None, start: date, end: date,
                        adjusted: bool = False, *, series: str | None = None,
                        dividends: bool = False, follow_series: bool = False) -> pd.DataFrame:
        """Daily bars of ``symbols`` (all when ``None``) between two session dates, inclusive.

        Parameters
        ----------
        exchange : str
            ``NSE`` or ``BSE``.
        series : str, optional
            Series to keep; default ``EQ`` on NSE and every series on BSE (one row per scrip).
        adjusted : bool
            Adjust for splits and bonuses (and ``dividends`` if set) on read.
        follow_series : bool
            NSE: follow each symbol across :data:`CASH_SERIES` (by ISIN where present), one bar per
            session (EQ preferred), with a ``series`` column; not with ``series``.
        """
        import numpy as np
        import pandas as pd

        if follow_series and series is not None:
            raise InvalidInput("follow_series", "reads every cash series; do not pass series= with it")
        table = self.read_daily_table(exchange, start, end)
        if table.empty:
            return empty_bars()
        if follow_series:
            table = _follow(table, symbols)
        else:
            wanted = series if series is not None else ("EQ" if exchange == "NSE" else None)
            if wanted is not None:
                table = table[table["series"] == wanted]
            if symbols is not None:
                table = table[table["symbol"].isin(symbols)]
        bars = pd.DataFrame({"symbol": table["symbol"].astype(object),
                             "ts": session_opens(exchange, table["session_date"]),
                             **{c: table[c].astype(np.float64) for c in ("open", "high", "low", "close")},
                             "volume": table["volume"].astype(np.int64)})
        if follow_series:
            bars["series"] = table["series"].astype(object)
        bars = bars.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True)
        if bars.duplicated(["symbol", "ts"]).any():
            raise DataError(f"{exchange}: several rows per (symbol, session); pass series= to choose one")
        return self._adjust(bars, dividends) if adjusted else bars

    def series_moves(self, exchange: str, symbols: list[str] | None, start: date, end: date,
                     series: str = "EQ") -> list[dict[str, object]]:
        """Runs of sessions on which a symbol traded in another cash series than ``series`` (and not
        in it): what a ``series``-only read leaves out. ``[{"symbol", "series", "first", "last",
        "sessions"}]`` (ISO dates), by symbol then date; empty off NSE."""
        import numpy as np

        if exchange != "NSE":
            return []
        table = self.read_daily_table(exchange, start, end)
        if table.empty:
            return []
        table = table[table["series"].isin(CASH_SERIES)]
        if symbols is not None:
            table = table[table["symbol"].isin(symbols)]
        held = set(zip(table.loc[table["series"] == series, "symbol"],
                       table.loc[table["series"] == series, "session_date"], strict=True))
        other = table[(table["series"] != series)]
        pairs = zip(other["symbol"], other["session_date"], strict=True)
        other = other[np.array([(s, d) not in held for s, d in pairs], dtype=bool)]
        moves: list[dict[str, object]] = []
        for symbol, group in other.sort_values(["symbol", "session_date"]).groupby("symbol", sort=True):
            rows = group.reset_index(drop=True)
            new_run = (rows["series"] != rows["series"].shift()).to_numpy()
            for _, run in rows.groupby(new_run.cumsum()):
                moves.append({"symbol": str(symbol), "series": str(run["series"].iloc[0]),
                              "first": run["session_date"].iloc[0].isoformat(),
                              "last": run["session_date"].iloc[-1].isoformat(), "sessions": len(run)})
        return moves

    def _adjust(self, bars: pd.DataFrame, dividends: bool) -> pd.DataFrame:
        from vyapari.data.adjust import adjust_bars, load_actions

        return adjust_bars(bars, load_actions(self.store), dividends=dividends)

    # ------------------------------------------------------------------ minute bars
    def write_minute_bars(self, exchange: str, symbol: str, bars: pd.DataFrame) -> int:
        """Store 1-minute bars (``ts`` tz-aware, bar start; OHLC ₹; volume) of one symbol.

        Sessions present in ``bars`` replace the stored ones; each month file is replaced atomically.
        Returns the number of month files written. ``symbol`` must be an exchange symbol
        (:func:`~vyapari.core.symbols.check_symbol`: ``=HYPERLINK(..)`` or ``../x`` are refused by name).
        """
        from vyapari.data.minute_store import write_minute_months

        return write_minute_months(self.store, exchange, check_symbol(symbol), bars)

    def read_minute_bars(
        self, exchange: str, symbol: str, start: date, end: date, adjusted: bool = False,
        interval: str = "1m", *, dividends: bool = False,
    ) -> pd.DataFrame:
        """Intraday bars of ``symbol`` for sessions ``start..end`` (IST dates), resampled to ``interval``.

        ``interval`` is ``1m`` (stored), or ``3m``/``5m``/``15m``/``30m``/``60m`` anchored on the session
        open; ``1d`` delegates to :meth:`read_daily_bars`.
        """
        from vyapari.data.minute_bars import parse_interval, resample_bars
        from vyapari.data.minute_store import read_minute_months

        _check_range(start, end)
        check_symbol(symbol)
        minutes = parse_interval(interval)
        if minutes == 0:
            return self.read_daily_bars(exchange, [symbol], start, end, adjusted, dividends=dividends)
        bars = read_minute_months(self.store, exchange, symbol, start, end)
        if bars.empty:
            return empty_bars()
        bars = resample_bars(bars, minutes, exchange)
        bars.insert(0, "symbol", symbol)
        bars = bars[list(BAR_COLUMNS)].reset_index(drop=True)
        return self._adjust(bars, dividends) if adjusted else bars

    def minute_session_range(self, exchange: str,
                             symbols: Sequence[str] | None = None) -> tuple[date, date] | None:
        """First and last session (IST dates) with minute bars of any of ``symbols`` (default: all);
        ``None`` when there are none."""
        from vyapari.data.minute_store import minute_session_range

        ranges = [r for s in (symbols or self.minute_symbols(exchange))
                  if (r := minute_session_range(self.store, exchange, check_symbol(s))) is not None]
        if not ranges:
            return None
        return min(r[0] for r in ranges), max(r[1] for r in ranges)

    def minute_symbols(self, exchange: str) -> list[str]:
        """Symbols having minute bars on ``exchange``."""
        prefix = layout.minute_prefix(exchange, "x").rsplit("symbol=", 1)[0] + "symbol="
        names = {k[len(prefix):].split("/", 1)[0] for k in self.store.list(prefix)}
        return sorted(layout.unpart(n) for n in names)
