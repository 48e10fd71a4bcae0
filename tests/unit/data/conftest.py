"""Fixtures of the data tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from vyapari.data.lake import Lake


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    """A lake in a fresh temporary folder, using the project calendar."""
    return Lake.at(tmp_path / "lake")
