"""Named points of the lake's writes, where a crash test can stop the process (off by default).

With ``VYAPARI_PAUSE_AT_WRITES=1`` in the environment, each write point prints one line
``write-point: <what>`` on stdout and waits for a line on stdin before going on, so a test can kill
the process (SIGKILL) exactly between two writes, without racing a timer. Unset, a point costs one
dictionary look-up.
"""

from __future__ import annotations

import os
import sys
import threading

ENV = "VYAPARI_PAUSE_AT_WRITES"
_LOCK = threading.Lock()  # the raw copy's helper thread and the main thread take turns


def reached(what: str) -> None:
    """Announce the write point ``what`` and wait for a go-ahead line, when pausing is enabled."""
    if os.environ.get(ENV) != "1":
        return
    with _LOCK:
        sys.stdout.write(f"write-point: {what}\n")
        sys.stdout.flush()
        sys.stdin.readline()
