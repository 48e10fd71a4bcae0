"""Fixtures of the workflow runs: a seeded sample lake built once, copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Five sample sessions ending 2026-11-20; INFY/TCS/RELIANCE minute bars in the lake."""
    from functions.local.seed import seed_lake

    return seed_lake(tmp_path_factory.mktemp("wf-seeded"))


@pytest.fixture
def lake(seeded: Any, tmp_path: Path) -> Path:
    """A private copy of the seeded lake."""
    shutil.copytree(seeded.lake, tmp_path / "lake")
    return tmp_path / "lake"
