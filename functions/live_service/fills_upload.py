"""Keep the live service's fills log in the lake while it runs, so a killed task loses seconds.

The engine appends every booked fill to ``<state-dir>/fills/<YYYY-MM-DD>.jsonl``
(:class:`vyapari.live.fills_log.FillLog`, on the engine's thread). :class:`FillsUploader` copies
those files to ``live/fills/<run>/<YYYY-MM-DD>.jsonl`` in the lake from its own daemon thread,
at most every ``interval_s`` seconds and only when a file changed, then once more at stop; a
SIGKILL, an OOM kill or a lost host therefore loses at most the last round's lines in the lake.

Only complete lines are uploaded (a line being written is left for the next round), an empty file
or one that is a strict prefix of the last upload is never uploaded (the lake copy never shrinks),
and a failed upload is logged by key and error type, counted in ``fills_upload_errors_total`` and
retried on the next round: nothing is raised into the engine.

A replacement task first :meth:`~FillsUploader.restore` s the session's object from the lake into
the local file, before the engine logs anything: ``FillLog`` then knows those ``trade_id`` s and the
engine's replay of the day's trades adds only the missing ones, so the uploads extend what the
killed task kept. When the lake cannot be read at start, trading goes on and the uploader keeps
trying: until it has read the lake copy it uploads nothing for that day, and afterwards it uploads
the local lines plus the lake lines the local file lacks (by ``trade_id``), so nothing is lost.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from vyapari.data.storage import LocalObjectStore, ObjectStore
from vyapari.live.fills_log import fills_path, record_to_fill
from vyapari.live.ports import Metrics

DEFAULT_INTERVAL_S = 15.0
"""Seconds between upload rounds (``FILLS_UPLOAD_INTERVAL_S``)."""
ERRORS_METRIC = "fills_upload_errors_total"
"""Counter of failed lake reads and writes of the fills log (each retried on the next round)."""

log = logging.getLogger(__name__)


def fills_key(run: str, name: str) -> str:
    """The lake key of the fills file ``name`` (``<YYYY-MM-DD>.jsonl``) of deployment ``run``."""
    return f"live/fills/{run}/{name}"


def complete_lines(data: bytes) -> bytes:
    """``data`` up to and including its last newline (a line still being written is cut)."""
    return data[: data.rfind(b"\n") + 1]


def trade_id_of(line: bytes) -> str | None:
    """The ``trade_id`` of one fills-log line, or None when it is not a fill record."""
    try:
        return record_to_fill(json.loads(line)).trade_id
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def merge_logs(local: bytes, lake: bytes) -> bytes:
    """The complete lines of ``local``, then those of ``lake`` whose ``trade_id`` ``local`` lacks.

    Lines of ``lake`` that are not fill records are dropped (logged), so the result is always
    readable by :func:`vyapari.live.fills_log.read_fills`.
    """
    merged = complete_lines(local)
    known = {trade_id_of(line) for line in merged.splitlines()}
    extra, bad = [], 0
    for line in complete_lines(lake).splitlines():
        trade_id = trade_id_of(line) if line.strip() else ""
        if trade_id is None:
            bad += 1
        elif trade_id and trade_id not in known:
            known.add(trade_id)
            extra.append(line + b"\n")
    if bad:
        log.warning("dropped %d line(s) of the lake's fills log that are not fill records", bad)
    return merged + b"".join(extra)


class FillsUploader:
    """Copies the changed ``folder/*.jsonl`` fills files to ``live/fills/<run>/`` in ``lake``.

    Parameters
    ----------
    folder : Path
        The fills folder (``<state-dir>/fills``).
    lake : ObjectStore
        The lake (S3 in AWS).
    run : str
        The deployment whose logs these are (the key's ``<run>``).
    interval_s : float
        Seconds between two rounds of the background thread (> 0).
    metrics : Metrics, optional
        Where ``fills_upload_errors_total`` is counted.
    """

    def __init__(self, folder: Path, lake: ObjectStore, run: str, *, interval_s: float = DEFAULT_INTERVAL_S,
                 metrics: Metrics | None = None) -> None:
        if not interval_s > 0:
            raise ValueError(f"the fills upload interval must be > 0 seconds, got {interval_s!r}")
        self.folder, self.lake, self.run = folder, lake, run
        self.interval_s = interval_s
        self.metrics = metrics
        self._sent: dict[str, bytes] = {}  # file name → what the lake holds (as far as we know)
        self._carried: dict[str, bytes] = {}  # file name → lake lines read after the engine started
        self._unread: set[str] = set()  # file names whose lake copy could not be read yet
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ----- start ----------------------------------------------------------------------
    def restore(self, session_date: date) -> int:
        """Merge the lake's log of ``session_date`` into the local file; call before the engine logs.

        Returns the number of lines the local file gained. A failed read is logged and counted;
        the rounds then read the lake copy before uploading that day's file (see the module).
        """
        path = fills_path(self.folder, session_date)
        try:
            lake = self.lake.get(fills_key(self.run, path.name))
        except KeyError:
            return 0
        except Exception as exc:  # the lake is unreachable: trade on, never overwrite its copy
            self._failed("read", path.name, exc)
            self._unread.add(path.name)
            return 0
        local = path.read_bytes() if path.exists() else b""
        merged = merge_logs(local, lake)
        if merged != local:  # through a temporary file and a rename: no half-written log
            LocalObjectStore(path.parent).put_atomic(path.name, merged)
        self._sent[path.name] = complete_lines(lake)
        return merged.count(b"\n") - complete_lines(local).count(b"\n")

    def start(self) -> FillsUploader:
        """Start the background thread (a daemon: it never keeps the process alive)."""
        self._thread = threading.Thread(target=self._loop, name="fills-upload", daemon=True)
        self._thread.start()
        return self

    # ----- rounds ---------------------------------------------------------------------
    def upload_changed(self) -> list[str]:
        """One round: upload each fills file whose complete lines changed; returns the keys written.

        Never raises: a failure is logged, counted and left for the next round.
        """
        with self._lock:
            names = {p.name for p in self.folder.glob("*.jsonl")} | self._unread
            return [key for name in sorted(names) if (key := self._upload(name)) is not None]

    def stop(self) -> list[str]:
        """Stop the thread and run a last round; returns the keys that round wrote."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.upload_changed()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.upload_changed()
            except Exception as exc:  # keep the thread alive whatever happens
                self._failed("upload", "the fills folder", exc)

    def _upload(self, name: str) -> str | None:
        key = fills_key(self.run, name)
        try:
            path = self.folder / name
            data = complete_lines(path.read_bytes()) if path.exists() else b""
            if name in self._unread:
                self._read_late(name, key)
            if name in self._carried:
                data = merge_logs(data, self._carried[name])
            sent = self._sent.get(name, b"")
            if not data or sent.startswith(data):  # nothing new; never shrink the lake copy
                return None
            self.lake.put(key, data)
        except Exception as exc:
            self._failed("upload", name, exc)
            return None
        self._sent[name] = data
        return key

    def _read_late(self, name: str, key: str) -> None:
        """Read the lake copy that :meth:`restore` could not (raises while it still cannot)."""
        try:
            lake = complete_lines(self.lake.get(key))
        except KeyError:
            lake = b""
        self._unread.discard(name)
        self._sent[name] = lake
        if lake:
            self._carried[name] = lake

    def _failed(self, action: str, name: str, exc: Exception) -> None:
        if self.metrics is not None:
            self.metrics.count(ERRORS_METRIC)
        log.error("could not %s the fills log %s in the lake (run %s): %s; retrying in %g s",
                  action, name, self.run, type(exc).__name__, self.interval_s)


@contextmanager
def fills_kept(folder: Path, lake: ObjectStore | None, run: str, session_date: date, *,
               interval_s: float = DEFAULT_INTERVAL_S, metrics: Metrics | None = None
               ) -> Iterator[FillsUploader | None]:
    """Restore ``session_date``'s log from the lake, upload while the block runs, flush at its end.

    Without a lake (``LAKE_URI`` unset) the fills log stays on the task's disk only (logged).
    """
    if lake is None:
        log.warning("LAKE_URI not set: the fills log stays on the task's disk only")
        yield None
        return
    uploader = FillsUploader(folder, lake, run, interval_s=interval_s, metrics=metrics)
    gained = uploader.restore(session_date)
    if gained:
        log.info("continuing the lake's fills log of %s: %d line(s) restored", session_date, gained)
    uploader.start()
    try:
        yield uploader
    finally:
        uploader.stop()
