"""Synthetic but realistic sample data for the demo (seeded: reruns are byte-identical).

``generate_sample(out, sessions=30, end=..., seed=...)`` writes, for the last ``sessions`` sessions of
the real NSE calendar up to ``end`` (inclusive)::

    nse_udiff/BhavCopy_NSE_CM_0_0_0_YYYYMMDD_F_0000.csv    NIFTY 50, official UDiFF layout
    nse_legacy/cmDDMONYYYYbhav.csv                          the same days in the legacy layout
    bse_udiff/BhavCopy_BSE_CM_0_0_0_YYYYMMDD_F_0000.CSV    SENSEX constituents, BSE UDiFF
    corporate_actions/CF-CA-equities.csv                    NSE export layout: a split, a bonus, …
    minute/<SYMBOL>.parquet                                 ts (IST, bar start), OHLC, volume
    nse_fo_udiff/BhavCopy_NSE_FO_0_0_0_YYYYMMDD_F_0000.csv NIFTY and stock futures, NSE F&O UDiFF
    instruments/kite_instruments.csv, upstox_instruments.json   broker instrument dumps (last session)

Every price is on the ₹0.05 tick grid; each day's OHLCV equals the aggregate of its minute bars (open =
first bar open, high = max, low = min, close = last close, volume = sum). Raw prices before the split
and bonus ex-dates are higher by the share ratio, so the adjusted series is continuous.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from vyapari.core.errors import InvalidInput
from vyapari.data.corporate_actions import ActionKind, parse_purpose
from vyapari.data.formats import CORPORATE_ACTION_COLUMNS, UDIFF_COLUMNS
from vyapari.data.minute_bars import aggregate_sorted
from vyapari.data.sample_derivatives import write_fo_day, write_instrument_dumps
from vyapari.data.sample_universe import COMPANY_NAMES, FACE_VALUES, NIFTY50, SAMPLE_ACTIONS, SENSEX
from vyapari.data.schema import MINUTE_SCHEMA

TICK_INR = 0.05
_SYMBOL_INDEX = {s: i for i, s in enumerate(sorted(NIFTY50))}


@dataclass
class SymbolPath:
    """One symbol's simulated raw minute bars (prices in ticks of ₹0.05) and their daily aggregate."""

    symbol: str
    minute: dict[str, np.ndarray]
    daily: dict[str, np.ndarray]
    prev_close: np.ndarray


@dataclass
class SampleSummary:
    """What :func:`generate_sample` wrote."""

    out: Path
    sessions: list[date]
    files: list[Path] = field(default_factory=list)


def _ratios(symbol: str, days: list[date], ex_dates: dict[str, tuple[date, int]]) -> np.ndarray:
    """Per-day raw/adjusted price multiplier (the share ratio before the ex-date, else 1)."""
    mult = np.ones(len(days), dtype=np.int64)
    if symbol in ex_dates:
        ex, ratio = ex_dates[symbol]
        mult[np.array([d < ex for d in days])] = ratio
    return mult


def simulate(rng: np.random.Generator, symbol: str, ref_inr: float, grids: list[np.ndarray],
             mult: np.ndarray) -> SymbolPath:
    """Simulate one symbol's minute bars on the session grids (ns since epoch, bar starts)."""
    sizes = np.array([len(g) for g in grids])
    day_of = np.repeat(np.arange(len(grids)), sizes)
    first = np.r_[0, np.cumsum(sizes)[:-1]]
    daily_sigma = rng.uniform(0.010, 0.022)
    steps = rng.normal(0.0, daily_sigma / np.sqrt(375), day_of.size)
    gaps = np.zeros(day_of.size)
    gaps[first] = rng.normal(0.0, daily_sigma * 0.4, len(grids))
    path = np.log(ref_inr / mult[0]) + np.cumsum(steps + gaps)
    close_t = np.maximum(np.round(np.exp(path) / TICK_INR), 20).astype(np.int64)
    open_t = np.maximum(np.round(np.exp(np.r_[path[0] - steps[0], path[:-1] + gaps[1:]]) / TICK_INR), 20)
    open_t = open_t.astype(np.int64)
    wick = np.floor(np.abs(rng.normal(0, daily_sigma / np.sqrt(375) * 0.6, (2, day_of.size)))
                    * close_t).astype(np.int64)
    high_t = np.maximum(open_t, close_t) + wick[0]
    low_t = np.maximum(np.minimum(open_t, close_t) - wick[1], 1)
    m = mult[day_of]
    shape = 1.0 + 1.5 * ((np.arange(day_of.size) - first[day_of]) / sizes[day_of] * 2 - 1) ** 2
    day_volume = 3e6 * np.sqrt(1000 / ref_inr) * rng.lognormal(0, 0.3, len(grids)) * sizes / 375
    volume = rng.poisson(day_volume[day_of] * shape / np.add.reduceat(shape, first)[day_of] / m)
    minute = {"ts": np.concatenate(grids), "open": open_t * m, "high": high_t * m, "low": low_t * m,
              "close": close_t * m, "volume": volume.astype(np.int64)}
    daily = aggregate_sorted(day_of, (minute["open"], minute["high"], minute["low"], minute["close"],
                                      minute["volume"]))
    prev = np.r_[daily["open"][0], np.round(daily["close"][:-1] * mult[1:] / mult[:-1])]
    return SymbolPath(symbol, minute, daily, prev.astype(np.int64))


def _grids(days: list[date]) -> list[np.ndarray]:
    from vyapari.market.calendar import get_calendar

    cal = get_calendar("NSE")
    return [cal.minute_grid(d).tz_convert("UTC").tz_localize(None).as_unit("ns").asi8 for d in days]


def sample_sessions(sessions: int, end: date) -> list[date]:
    """The last ``sessions`` NSE sessions up to ``end`` inclusive, oldest first."""
    from vyapari.market.calendar import get_calendar

    if sessions <= 0:
        raise InvalidInput("sessions", f"must be positive, got {sessions}")
    return [s.session_date for s in get_calendar("NSE").sessions_before(end + timedelta(days=1), sessions)]


def action_dates(days: list[date]) -> dict[str, tuple[date, int]]:
    """Ex-date and integer share ratio of the sample's splits and bonuses."""
    out: dict[str, tuple[date, int]] = {}
    for symbol, purpose, where in SAMPLE_ACTIONS:
        ex = days[min(len(days) - 1, max(1, int(where * len(days))))]
        for action in parse_purpose(symbol, ex, purpose):
            if action.kind in (ActionKind.SPLIT, ActionKind.BONUS) and action.ratio is not None:
                out[symbol] = (ex, int(action.ratio))
    return out


# ---------------------------------------------------------------- writers in the official layouts
def _inr(ticks: np.ndarray | int) -> np.ndarray:
    return np.round(np.asarray(ticks, dtype=np.float64) * TICK_INR, 2)


def isin(symbol: str) -> str:
    """A synthetic 12-character ISIN-like code (not the real ISIN)."""
    return f"INE{_SYMBOL_INDEX.get(symbol, 999):04d}S0101"


def day_rows(day_index: int, paths: dict[str, SymbolPath]) -> pd.DataFrame:
    """One row per symbol for a session: raw OHLC, last, prev close (₹), volume, turnover (₹), trades."""
    rows = []
    for symbol in sorted(paths):
        d = paths[symbol].daily
        o, h, low, c = (int(d[k][day_index]) for k in ("open", "high", "low", "close"))
        volume = int(d["volume"][day_index])
        rows.append({"symbol": symbol, "open": o, "high": h, "low": low, "close": c,
                     "prev": int(paths[symbol].prev_close[day_index]), "volume": volume,
                     "turnover": round(volume * (h + low + c) / 3 * TICK_INR, 2),
                     "trades": max(1, volume // 45)})
    frame = pd.DataFrame(rows)
    for col in ("open", "high", "low", "close", "prev"):
        frame[col] = _inr(frame[col].to_numpy())
    return frame


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(frame.to_csv(index=False, lineterminator="\n", float_format="%.2f").encode())
    return path


def _udiff(day: date, rows: pd.DataFrame, src: str, series: str, ids: list[int]) -> pd.DataFrame:
    out = pd.DataFrame({c: [""] * len(rows) for c in UDIFF_COLUMNS})
    out["TradDt"] = out["BizDt"] = day.isoformat()
    out["Sgmt"], out["Src"], out["FinInstrmTp"], out["SctySrs"] = "CM", src, "STK", series
    out["FinInstrmId"], out["ISIN"], out["TckrSymb"] = ids, [isin(s) for s in rows["symbol"]], rows["symbol"]
    out["FinInstrmNm"] = [f"{s} LIMITED" for s in rows["symbol"]]
    for ours, col in (("OpnPric", "open"), ("HghPric", "high"), ("LwPric", "low"), ("ClsPric", "close"),
                      ("LastPric", "close"), ("PrvsClsgPric", "prev"), ("SttlmPric", "close"),
                      ("TtlTradgVol", "volume"), ("TtlTrfVal", "turnover"), ("TtlNbOfTxsExctd", "trades")):
        out[ours] = rows[col].to_numpy()
    out["SsnId"], out["NewBrdLotQty"] = "F1", 1
    return out


def write_nse_day(out: Path, day: date, day_index: int, paths: dict[str, SymbolPath]) -> list[Path]:
    """The NSE UDiFF and legacy bhavcopies of one session."""
    rows = day_rows(day_index, paths)
    ids = [1000 + _SYMBOL_INDEX[s] for s in rows["symbol"]]
    udiff = _write_csv(_udiff(day, rows, "NSE", "EQ", ids),
                       out / "nse_udiff" / f"BhavCopy_NSE_CM_0_0_0_{day:%Y%m%d}_F_0000.csv")
    legacy = pd.DataFrame({
        "SYMBOL": rows["symbol"], "SERIES": "EQ", "OPEN": rows["open"], "HIGH": rows["high"],
        "LOW": rows["low"], "CLOSE": rows["close"], "LAST": rows["close"], "PREVCLOSE": rows["prev"],
        "TOTTRDQTY": rows["volume"], "TOTTRDVAL": rows["turnover"],
        "TIMESTAMP": day.strftime("%d-%b-%Y").upper(), "TOTALTRADES": rows["trades"],
        "ISIN": [isin(s) for s in rows["symbol"]], "": "",
    })
    month = day.strftime("%b").upper()
    name = f"cm{day:%d}{month}{day:%Y}bhav.csv"
    return [udiff, _write_csv(legacy, out / "nse_legacy" / name)]


def write_bse_udiff(out: Path, day: date, day_index: int, paths: dict[str, SymbolPath]) -> Path:
    """The BSE UDiFF equity bhavcopy of one session (a tenth of the NSE volume; group ``A``)."""
    rows = day_rows(day_index, paths)
    rows["volume"] = np.maximum(rows["volume"] // 10, 1)
    rows["turnover"] = np.round(rows["turnover"] / 10, 2)
    rows["trades"] = np.maximum(rows["trades"] // 10, 1)
    ids = [900000 + _SYMBOL_INDEX[s] for s in rows["symbol"]]
    return _write_csv(_udiff(day, rows, "BSE", "A", ids),
                      out / "bse_udiff" / f"BhavCopy_BSE_CM_0_0_0_{day:%Y%m%d}_F_0000.CSV")


def write_corporate_actions(out: Path, days: list[date]) -> Path:
    """The NSE corporate-actions export of the sample's actions (ex-dates inside the window)."""
    ex_dates = action_dates(days)
    rows = []
    for symbol, purpose, where in SAMPLE_ACTIONS:
        ex = ex_dates.get(symbol, (days[min(len(days) - 1, max(1, int(where * len(days))))], 1))[0]
        text = ex.strftime("%d-%b-%Y")
        rows.append([symbol, COMPANY_NAMES[symbol], "EQ", purpose, FACE_VALUES[symbol], text, text, "-", "-"])
    frame = pd.DataFrame(rows, columns=list(CORPORATE_ACTION_COLUMNS))
    return _write_csv(frame, out / "corporate_actions" / "CF-CA-equities.csv")


def write_minute(out: Path, symbol: str, minute: dict[str, np.ndarray]) -> Path:
    """``minute/<SYMBOL>.parquet``: ts (tz-aware IST, bar start), OHLC in ₹, volume in shares."""
    ts = pa.array(minute["ts"].astype("datetime64[ns]"), type=pa.timestamp("ns")).cast(
        pa.timestamp("ns", tz="UTC")).cast(pa.timestamp("ns", tz="Asia/Kolkata"))
    table = pa.Table.from_arrays(
        [ts, *(pa.array(_inr(minute[k])) for k in ("open", "high", "low", "close")),
         pa.array(minute["volume"].astype(np.int64))], schema=MINUTE_SCHEMA)
    path = out / "minute" / f"{symbol}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
    return path


def generate_sample(out: str | Path, sessions: int = 30, end: date | None = None,
                    seed: int = 7) -> SampleSummary:
    """Write the sample data set under ``out`` (see the module docstring); returns what was written."""
    from vyapari.core.time import IST

    end = end or pd.Timestamp.now(tz=IST).date()
    days = sample_sessions(sessions, end)
    grids = _grids(days)
    ex_dates = action_dates(days)
    rng = np.random.default_rng(seed)
    paths = {sym: simulate(rng, sym, ref, grids, _ratios(sym, days, ex_dates))
             for sym, ref in NIFTY50.items()}
    summary = SampleSummary(Path(out), days)
    for i, day in enumerate(days):
        summary.files += write_nse_day(summary.out, day, i, paths)
        summary.files.append(write_bse_udiff(summary.out, day, i, {s: paths[s] for s in SENSEX}))
        closes = {s: float(p.daily["close"][i]) * TICK_INR for s, p in paths.items()}
        summary.files.append(write_fo_day(summary.out, day, closes, NIFTY50))
    summary.files.append(write_corporate_actions(summary.out, days))
    for symbol, sym_path in paths.items():
        summary.files.append(write_minute(summary.out, symbol, sym_path.minute))
    last = {s: float(p.daily["close"][-1]) * TICK_INR for s, p in paths.items()}
    isins = {s: isin(s) for s in NIFTY50}
    summary.files += write_instrument_dumps(summary.out, days[-1], isins, last, NIFTY50)
    return summary
