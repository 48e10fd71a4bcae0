"""Fixtures of the REST API tests: a sample lake (once per session) and fresh local services per test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from functions.shared.api_settings import ApiSettings
from functions.shared.api_store import ApiServices, build_services
from tests.unit.api.api_events import build_lake, call, load_api_handler


@pytest.fixture(scope="session")
def lake_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lake with three sessions of sample data."""
    return build_lake(tmp_path_factory.mktemp("api-lake"))


@pytest.fixture(scope="session")
def api(tmp_path_factory: pytest.TempPathFactory, lake_dir: Path) -> ModuleType:
    """The REST handler module (local backend)."""
    return load_api_handler(tmp_path_factory.mktemp("api-state"), lake_dir)


@pytest.fixture
def services(api: ModuleType, tmp_path: Path, lake_dir: Path, monkeypatch: pytest.MonkeyPatch) -> ApiServices:
    """Fresh services (empty stores) installed in the handler for one test."""
    fresh = build_services(ApiSettings(backend="local", state_dir=str(tmp_path / "state"),
                                       lake_uri=str(lake_dir)))
    monkeypatch.setattr(api, "SERVICES", fresh)
    return fresh


@pytest.fixture
def client(api: ModuleType, services: ApiServices) -> Callable[..., tuple[int, Any]]:
    """``client(method, path, query=..., body=..., groups=...) -> (status, body)``."""

    def send(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        return call(api, method, path, **kwargs)

    return send
