"""The process environment with ``.env`` under it: one precedence for the CLI and the functions.

Highest first: the process environment, then ``KEY=value`` lines of ``.env`` in the working
directory (as ``.env.sample``), then each settings model's defaults. In a Lambda there is no
``.env``, so python-dotenv is imported only when the file exists.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_FILE = ".env"


def dotenv_values_of(path: Path | None = None) -> dict[str, str]:
    """The ``KEY=value`` pairs of ``path`` (default ``.env``); empty when there is no such file."""
    env_file = Path(ENV_FILE) if path is None else path
    if not env_file.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(env_file).items() if v is not None}


def process_environ(path: Path | None = None) -> dict[str, str]:
    """``.env`` (see :func:`dotenv_values_of`) overlaid by ``os.environ``."""
    return {**dotenv_values_of(path), **os.environ}
