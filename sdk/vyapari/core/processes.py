"""Whether the process that named a temporary file or folder (by its id) is still running."""

from __future__ import annotations

import os


def process_gone(pid: str) -> bool:
    """True when ``pid`` (a process id as text, e.g. from a file name) names no running process:
    not a number, or a process that has ended. This process is never gone."""
    if not pid.isdigit():
        return True
    number = int(pid)
    if number == os.getpid():
        return False
    try:
        os.kill(number, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False
