"""A disk cache of the calendar library's sessions, so that a process need not import it.

Importing ``pandas_market_calendars`` loads every exchange calendar it knows (a sizeable part of
a short command's start-up) and its ``schedule`` is slow; what :class:`~vyapari.market.calendar.
TradingCalendar` takes from it is, per exchange and year, the session dates with their open and
close instants. Those depend only on the library's version, so they are kept in one JSON file per
(exchange, library version) under the user's cache folder (``$VYAPARI_CACHE_DIR``, else
``$XDG_CACHE_HOME/vyapari``, else ``~/.cache/vyapari``): ``{"last_year": int, "years": {"2026":
[[date, open, close], ...]}}`` with ISO texts (open and close aware, IST). The project's own
overrides are applied on top each time, never cached. A folder that cannot be read or written
(a read-only Lambda home) only means the library is asked.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date, datetime
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from vyapari.core.cache import cache_dir

LIBRARY = "pandas_market_calendars"

Row = tuple[date, datetime, datetime]




@cache
def library_version() -> str:
    """The installed calendar library's version ("" if it is not found), from its ``.dist-info``
    folder's name: found without importing the library (nor ``importlib.metadata``)."""
    spec = find_spec(LIBRARY)
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        for info in Path(folder).parent.glob(f"{LIBRARY}-*.dist-info"):
            return info.name[len(LIBRARY) + 1 : -len(".dist-info")]
    return ""


class LibrarySessionCache:
    """The cached library sessions of one exchange (by its library name, e.g. ``"NSE"``)."""

    def __init__(self, name: str) -> None:
        version = library_version()
        self.path = cache_dir() / "calendar" / f"{name}-{LIBRARY}-{version}.json" if version else None
        self._data: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._data is None:
            self._data = {"last_year": None, "years": {}}
            if self.path is not None:
                try:
                    loaded = json.loads(self.path.read_text(encoding="utf-8"))
                    if isinstance(loaded, dict) and isinstance(loaded.get("years"), dict):
                        self._data = loaded
                except (OSError, ValueError):
                    pass
        return self._data

    @property
    def last_year(self) -> int | None:
        """The library's last year of holiday data, if cached."""
        value = self._load().get("last_year")
        return value if isinstance(value, int) else None

    def year(self, year: int) -> list[Row] | None:
        """The library's sessions of ``year`` as (date, open, close), if cached."""
        rows = self._load()["years"].get(str(year))
        if rows is None:
            return None
        parse = datetime.fromisoformat
        return [(date.fromisoformat(d), parse(o), parse(c)) for d, o, c in rows]

    def store(self, year: int, rows: list[Row], last_year: int) -> None:
        """Keep ``year``'s rows (and the library's last year); written atomically, errors ignored."""
        data = self._load()
        data["last_year"] = last_year
        data["years"][str(year)] = [[d.isoformat(), o.isoformat(), c.isoformat()] for d, o, c in rows]
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".calendar-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, sort_keys=True)
            os.replace(tmp, self.path)
        except OSError:
            pass
