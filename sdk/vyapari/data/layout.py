"""Object keys of the lake (identical under a local folder and under ``s3://bucket/prefix``).

::

    raw/<source>/<YYYY>/<MM>/<DD>/<original file name>          every input, as received, always
                                  (a different file of the same name: <sha256[:12]>-<name>; never overwritten)
    quarantine/<source>/<YYYY>/<MM>/<DD>/<file name>.json       why a file was rejected
    reports/<source>/<YYYY>/<MM>/<DD>/<file name>.json          what ingestion did with a file
    curated/daily_bars/exchange=<EX>/year=<YYYY>/<YYYY-MM-DD>.parquet     one file per (exchange, session)
    curated/fo_daily/exchange=<NFO|BFO>/year=<YYYY>/<YYYY-MM-DD>.parquet
    curated/corporate_actions/exchange=NSE/<content hash>.parquet
    curated/minute_bars/exchange=<EX>/symbol=<SYM>/year=<YYYY>/<YYYY-MM>.parquet   bars by START, IST
    state/<dataset>/<EX>/<YYYY-MM-DD>.json                       content hashes of the current day
                                  (intent, then committed: see vyapari.data.day_state)

Hive partition values are percent-encoded (``M&M`` → ``M%26M``) as ``pyarrow.dataset`` decodes them.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote, unquote

CURATED = "curated"
DATASETS = ("daily_bars", "fo_daily", "corporate_actions", "minute_bars")


def part(value: str) -> str:
    """A Hive partition value, percent-encoded."""
    return quote(value, safe="-_.")


def unpart(value: str) -> str:
    """Decode a Hive partition value."""
    return unquote(value)


def _dated(folder: str, source: str, day: date, name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return f"{folder}/{source}/{day:%Y}/{day:%m}/{day:%d}/{base}"


def raw_key(source: str, day: date, name: str) -> str:
    """Key of a received file kept as is."""
    return _dated("raw", source, day, name)


def quarantine_key(source: str, day: date, name: str) -> str:
    """Key of the JSON record of a rejected file."""
    return _dated("quarantine", source, day, name) + ".json"


def report_key(source: str, day: date, name: str) -> str:
    """Key of the JSON ingestion report of a file."""
    return _dated("reports", source, day, name) + ".json"


def day_prefix(dataset: str, exchange: str, year: int | None = None) -> str:
    """Prefix of a per-day dataset (``daily_bars``/``fo_daily``), optionally of one year."""
    prefix = f"{CURATED}/{dataset}/exchange={part(exchange)}/"
    return prefix if year is None else f"{prefix}year={year}/"


def day_key(dataset: str, exchange: str, day: date) -> str:
    """Key of the one Parquet file of ``(exchange, day)`` in ``daily_bars`` or ``fo_daily``."""
    return f"{day_prefix(dataset, exchange, day.year)}{day.isoformat()}.parquet"


def date_of_day_key(key: str) -> date | None:
    """The session date of a :func:`day_key` (``None`` for other keys)."""
    stem = key.rsplit("/", 1)[-1].removesuffix(".parquet")
    try:
        return date.fromisoformat(stem)
    except ValueError:
        return None


def actions_prefix(exchange: str = "NSE") -> str:
    """Prefix of the curated corporate actions."""
    return f"{CURATED}/corporate_actions/exchange={part(exchange)}/"


def actions_key(exchange: str, digest: str) -> str:
    """Key of the corporate actions of one ingested file (named by content hash)."""
    return f"{actions_prefix(exchange)}{digest[:20]}.parquet"


def minute_prefix(exchange: str, symbol: str, dataset: str = "minute_bars") -> str:
    """Prefix of one symbol's minute bars (``dataset`` ``bars_<N>m``: a broker's N-minute bars)."""
    return f"{CURATED}/{dataset}/exchange={part(exchange)}/symbol={part(symbol)}/"


def minute_key(exchange: str, symbol: str, year: int, month: int, dataset: str = "minute_bars") -> str:
    """Key of one month of a symbol's minute bars (or of its ``dataset`` bars)."""
    return f"{minute_prefix(exchange, symbol, dataset)}year={year}/{year:04d}-{month:02d}.parquet"


def state_key(dataset: str, exchange: str, day: date) -> str:
    """Key of the state record (content hashes) of ``(dataset, exchange, day)``."""
    return f"state/{dataset}/{part(exchange)}/{day.isoformat()}.json"
