"""What a ``vyapari live`` session publishes, next to what the Live page shows of it.

* :class:`EventTail` reads the session's event log (``live-records.sqlite``, table ``events``: what the
  local WebSocket endpoint forwards) on a thread every ``poll_s`` seconds and stamps each new event
  with the wall-clock time it was first seen: the event's time at its source, late by at most one
  poll.
* :data:`OBSERVE_PNL` installs a MutationObserver in the page that stamps (``Date.now()``, same clock)
  every change of the P&L line; :func:`pnl_updates` reads them back.
* :func:`shown_at` is the bar time (``at``) a P&L line names: each ``pnl`` message has its own.

The browser test uses them to check that the page shows only figures the session has published; the
benchmark (``benchmarks/bench_dashboard.py``) to time event → screen.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SeenEvent:
    """An event of the log: when it was first seen (UTC epoch s), its sequence number, channel, body."""

    seen_s: float
    seq: int
    channel: str
    body: dict[str, Any]


Event = tuple[int, str, dict[str, Any]]  # sequence number, channel, body


def read_events(db: Path, after: int = 0, channel: str | None = None) -> list[Event]:
    """The log's events after ``after`` (of ``channel`` if given), oldest first; empty before the file."""
    if not db.exists():
        return []
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10.0)
    try:
        rows = connection.execute("SELECT seq, channel, body FROM events WHERE seq > ? ORDER BY seq",
                                  (after,)).fetchall()
    except sqlite3.OperationalError:  # the session has not made its tables yet
        return []
    finally:
        connection.close()
    return [(int(s), str(c), json.loads(b)) for s, c, b in rows if channel is None or c == channel]


class EventTail:
    """Stamps each new event of the log ``db`` with the time it is first seen (see the module doc)."""

    def __init__(self, db: Path, poll_s: float = 0.001) -> None:
        self.db, self.poll_s = db, poll_s
        self.events: list[SeenEvent] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._last = 0

    def __enter__(self) -> EventTail:
        events = read_events(self.db)
        self._last = events[-1][0] if events else 0  # only what is published from now on
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            for seq, channel, body in read_events(self.db, self._last):
                self.events.append(SeenEvent(time.time(), seq, channel, body))
                self._last = seq
            time.sleep(self.poll_s)


OBSERVE_PNL = """() => {
  window.__pnlUpdates = [];
  const node = document.querySelector('[data-testid=pnl]');
  new MutationObserver(() => window.__pnlUpdates.push([Date.now(), node.innerText]))
    .observe(node, { childList: true, subtree: true, characterData: true });
}"""


def pnl_updates(page: Any) -> list[tuple[float, str]]:
    """Each change of the page's P&L line since :data:`OBSERVE_PNL`: (UTC epoch s, its text)."""
    return [(t / 1000.0, str(text)) for t, text in page.evaluate("window.__pnlUpdates")]


def shown_at(text: str) -> str:
    """The bar time a P&L line ends with (``… at <at>``)."""
    return text.rsplit(" at ", 1)[-1].strip()
