"""Fixtures of the handler tests: a seeded sample lake, fresh handler imports, event fixtures."""

from __future__ import annotations

import importlib
import json
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

EVENTS = Path(__file__).resolve().parents[2] / "events" / "workflows"


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Five sample sessions ending 2026-11-20, INFY/TCS/RELIANCE minute bars ingested (built once)."""
    from functions.local.seed import seed_lake

    return seed_lake(tmp_path_factory.mktemp("seeded"))


@pytest.fixture
def lake(seeded: Any, tmp_path: Path) -> Path:
    """A private copy of the seeded lake."""
    target = tmp_path / "lake"
    shutil.copytree(seeded.lake, target)
    return target


@pytest.fixture
def event() -> Callable[[str], dict[str, Any]]:
    """Load ``tests/events/workflows/<name>.json``."""
    return lambda name: dict(json.loads((EVENTS / f"{name}.json").read_text()))


@pytest.fixture
def load_handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., ModuleType]]:
    """Import ``functions.<name>.handler`` afresh with ``LAKE_URI`` (and other settings) set."""
    from functions.shared.settings import get_settings

    def load(name: str, lake_uri: str | Path, **env: str) -> ModuleType:
        monkeypatch.setenv("LAKE_URI", str(lake_uri))
        monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
        monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        module_name = f"functions.{name}.handler"
        sys.modules.pop(module_name, None)
        return importlib.import_module(module_name)

    yield load
    get_settings.cache_clear()


@pytest.fixture
def context() -> Any:
    """A Lambda context object."""
    from functions.local.moto_lambda import FakeLambdaContext

    return FakeLambdaContext("test-function")
