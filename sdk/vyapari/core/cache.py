"""vyapari's cache folder: calendars from the library, compiled kernels (rebuildable, never data)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$VYAPARI_CACHE_DIR``, else ``$XDG_CACHE_HOME/vyapari``, else ``~/.cache/vyapari``."""
    explicit = os.environ.get("VYAPARI_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "vyapari"
