"""Whether a received file is a user's bar file (see :mod:`vyapari.data.parsers.bar_files`), told
from its first bytes without pandas, so that the exchange-file ingest path never imports it."""

from __future__ import annotations

import re

PARQUET_MAGIC = b"PAR1"
PRICE_COLUMNS = ("open", "high", "low", "close")
TS_NAMES = ("ts", "timestamp", "datetime", "date", "time")
VENDOR_LINE = re.compile(rb"^\s*[A-Za-z][A-Za-z0-9&_.\-]*\s*,\s*\d{8}\s*,\s*\d{1,2}:\d{2}(:\d{2})?\s*,")


def header(payload: bytes) -> list[str]:
    """The first line's column names, stripped of quotes and blanks, lower-case."""
    first = payload.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", errors="replace")
    return [c.strip().strip('"').lower() for c in first.strip().split(",")]


def ts_column(columns: list[str]) -> str | None:
    """The first of :data:`TS_NAMES` among ``columns``, if any."""
    return next((c for c in TS_NAMES if c in columns), None)


def is_bar_file(payload: bytes) -> bool:
    """True when ``payload`` (unzipped bytes) is one of the bar layouts of ``bar_files``."""
    if payload.startswith(PARQUET_MAGIC):
        return True
    if VENDOR_LINE.match(payload[:200]):
        return True
    columns = header(payload[:4096])
    return set(PRICE_COLUMNS) <= set(columns) and ts_column(columns) is not None
