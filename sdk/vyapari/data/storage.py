"""The storage port of the data lake: a tiny object-store interface and its local-folder implementation.

All lake I/O goes through :class:`ObjectStore`, so the same :class:`~vyapari.data.lake.Lake` runs on a
local folder (:class:`LocalObjectStore`) and on S3 (``functions.shared.s3_store.S3ObjectStore``).
Keys are ``/``-separated relative paths such as ``curated/daily_bars/exchange=NSE/year=2026/x.parquet``.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Protocol, runtime_checkable

from vyapari.core.errors import InvalidInput
from vyapari.core.processes import process_gone
from vyapari.data.write_points import reached

TEMP_PREFIX = ".tmp-"
"""Temporary files of atomic local writes start with this (then the writer's process id and ``-``)."""
STALE_TEMP_SECONDS = 3600.0
"""A temporary older than this is removed even when a live process has its writer's id (id reuse)."""


@runtime_checkable
class ObjectStore(Protocol):
    """A key → bytes store (the lake's only I/O dependency).

    Implementations must make :meth:`put_atomic` all-or-nothing: a reader sees the old object or
    the new one, never a partial write.
    """

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (replacing any previous object)."""
        ...

    def put_atomic(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` so that readers never observe a partial object."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; ``KeyError`` when absent."""
        ...

    def exists(self, key: str) -> bool:
        """True when an object is stored under ``key``."""
        ...

    def list(self, prefix: str) -> list[str]:
        """All keys starting with ``prefix``, sorted."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; absent keys are ignored."""
        ...


def put_if_absent(store: ObjectStore, key: str, data: bytes) -> bool:
    """Store ``data`` under ``key`` only if nothing is there; True when this call stored it.

    Stores with a conditional write of their own (``put_if_absent``: a hard link locally, an
    ``If-None-Match`` PUT on S3) make it race-free between processes; others fall back to
    check-then-put.
    """
    own = getattr(store, "put_if_absent", None)
    if own is not None:
        return bool(own(key, data))
    if store.exists(key):
        return False
    store.put_atomic(key, data)
    return True


def locked(store: ObjectStore, key: str) -> AbstractContextManager[object]:
    """An exclusive lock on ``key`` between processes where the store has one (a local folder's
    ``flock``), else no lock: the ingest holds it while it replaces a day."""
    own = getattr(store, "lock", None)
    return own(key) if own is not None else nullcontext()


def sweep_temporaries(store: ObjectStore, prefix: str = "") -> list[str]:
    """Remove temporaries that interrupted writes left under ``prefix`` (stores without any: none)."""
    own = getattr(store, "sweep_temporaries", None)
    return list(own(prefix)) if own is not None else []


def _orphaned(path: Path, now: float) -> bool:
    """True when the temporary ``path`` belongs to no running write (its writer is gone, or it is old)."""
    try:
        age = now - path.stat().st_mtime
    except FileNotFoundError:
        return False
    if age > STALE_TEMP_SECONDS:
        return True
    pid = path.name[len(TEMP_PREFIX):].split("-", 1)[0]
    return process_gone(pid)


def check_key(key: str) -> str:
    """Validate a lake key: relative, ``/``-separated, without ``..`` or empty parts."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise InvalidInput("key", f"{key!r} is not a valid relative object key")
    return key


_TEMP_NUMBERS = itertools.count()  # (next() is atomic: the ingest's helper thread writes too)
_TEMP_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
               | getattr(os, "O_NOFOLLOW", 0))


def _remove(path: str) -> None:
    with suppress(FileNotFoundError):
        os.unlink(path)


def _create_temporary(folder: str) -> tuple[int, str]:
    """Create ``folder/.tmp-<pid>-<n>`` (owner-only, as ``mkstemp``'s) for writing: its descriptor and path.

    Names are numbered per process instead of drawn at random: ``mkstemp``'s random name and checks
    cost about as much as the write of a small record. A name left by an earlier process of the
    same id (ids are reused) is skipped.
    """
    prefix = os.path.join(folder, f"{TEMP_PREFIX}{os.getpid()}-")
    while True:
        tmp = f"{prefix}{next(_TEMP_NUMBERS)}"
        try:
            return os.open(tmp, _TEMP_FLAGS, 0o600), tmp
        except FileExistsError:
            continue


class LocalObjectStore:
    """An :class:`ObjectStore` on a local folder; keys map to files under ``root``.

    Atomic puts write to a temporary file in the target folder and ``os.replace`` it, so readers
    (including ``pyarrow.dataset``) never see half a file. A write killed midway leaves its
    ``.tmp-<pid>-*`` file behind; :meth:`sweep_temporaries` removes those whose process is gone.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._root = os.fspath(self.root)

    def __repr__(self) -> str:
        return f"LocalObjectStore({str(self.root)!r})"

    def _file(self, key: str) -> str:
        """The file of ``key`` as a string (the per-object calls stay off ``pathlib``: an ingest makes
        about ten per file)."""
        return os.path.join(self._root, *check_key(key).split("/"))

    def _path(self, key: str) -> Path:
        return Path(self._file(key))

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (atomically: a local put costs the same either way)."""
        self.put_atomic(key, data)

    def _temporary(self, path: str, data: bytes) -> str:
        """A complete temporary copy of ``data`` next to ``path`` (its name carries this process id)."""
        folder = os.path.dirname(path)
        try:
            fd, tmp = _create_temporary(folder)
        except FileNotFoundError:  # first object of its folder
            os.makedirs(folder, exist_ok=True)
            fd, tmp = _create_temporary(folder)
        try:
            try:
                view = memoryview(data)
                while view:  # os.write: no buffered file object (its fstat, seek and tty probe) per put
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
        except BaseException:
            _remove(tmp)
            raise
        return tmp

    def put_atomic(self, key: str, data: bytes) -> None:
        """Write to a temporary name in the same folder, then rename over ``key``."""
        path = self._file(key)
        tmp = self._temporary(path, data)
        try:
            reached(f"written-temporary {key}")
            os.replace(tmp, path)
        except BaseException:
            _remove(tmp)
            raise
        reached(f"replaced {key}")

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """Store ``data`` under ``key`` unless a file is there (a hard link: one winner between processes)."""
        path = self._file(key)
        if os.path.isfile(path):
            return False
        tmp = self._temporary(path, data)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        finally:
            _remove(tmp)
        reached(f"linked {key}")
        return True

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Hold an exclusive ``flock`` on ``.lock-<name>`` next to ``key`` (kept: it is 0 bytes)."""
        import fcntl  # POSIX only; the lake runs on Linux and macOS

        folder, name = os.path.split(self._file(key))
        lock = os.path.join(folder, f".lock-{name}")
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(lock, flags, 0o666)
        except FileNotFoundError:  # the first lock of its folder
            os.makedirs(folder, exist_ok=True)
            fd = os.open(lock, flags, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def sweep_temporaries(self, prefix: str = "") -> list[str]:
        """Remove the ``.tmp-*`` files of interrupted writes under the folder ``prefix``; their paths.

        A temporary is removed when its writer's process is no longer running (or it is older than
        :data:`STALE_TEMP_SECONDS`), so a concurrent ingest's write in flight is left alone.
        """
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return []
        now, removed = time.time(), []
        for path in base.rglob(f"{TEMP_PREFIX}*"):
            if path.is_file() and _orphaned(path, now):
                path.unlink(missing_ok=True)
                removed.append(path.relative_to(self.root).as_posix())
        return sorted(removed)

    def get(self, key: str) -> bytes:
        """The bytes of ``key``; ``KeyError`` naming the key when absent."""
        try:
            with open(self._file(key), "rb") as handle:
                return handle.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        """True when ``key`` is a stored file."""
        return os.path.isfile(self._file(key))

    def list(self, prefix: str) -> list[str]:
        """Sorted keys under ``prefix`` (a folder prefix or a partial file name), temp files excluded."""
        base = self.root / prefix.rsplit("/", 1)[0] if "/" in prefix else self.root
        if not base.is_dir():
            return []
        return sorted(k for k in self._walk(base) if k.startswith(prefix))

    def _walk(self, base: Path) -> Iterator[str]:
        for path in base.rglob("*"):
            if path.is_file() and not path.name.startswith((TEMP_PREFIX, ".lock-")):
                yield path.relative_to(self.root).as_posix()

    def delete(self, key: str) -> None:
        """Remove ``key`` if present."""
        _remove(self._file(key))


class MemoryObjectStore:
    """An in-memory :class:`ObjectStore` for tests and dry runs."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``."""
        self.objects[check_key(key)] = bytes(data)

    def put_atomic(self, key: str, data: bytes) -> None:
        """Same as :meth:`put` (a dict assignment is atomic)."""
        self.put(key, data)

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """Store ``data`` unless ``key`` is present; True when stored."""
        if check_key(key) in self.objects:
            return False
        self.objects[key] = bytes(data)
        return True

    def get(self, key: str) -> bytes:
        """The bytes of ``key``; ``KeyError`` when absent."""
        return self.objects[key]

    def exists(self, key: str) -> bool:
        """True when ``key`` is stored."""
        return key in self.objects

    def list(self, prefix: str) -> list[str]:
        """Sorted keys starting with ``prefix``."""
        return sorted(k for k in self.objects if k.startswith(prefix))

    def delete(self, key: str) -> None:
        """Remove ``key`` if present."""
        self.objects.pop(key, None)
