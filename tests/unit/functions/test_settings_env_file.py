"""The functions read ``.env`` in the working directory under the environment, as the CLI does."""

from __future__ import annotations

from pathlib import Path

import pytest
from functions.shared.api_settings import ApiSettings
from functions.shared.preopen_settings import PreOpenSettings
from functions.shared.settings import Settings


@pytest.fixture()
def in_folder_with_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".env").write_text(
        "LAKE_URI=s3://from-dotenv/lake\nVYAPARI_API_BACKEND=local\nBROKER=zerodha\n# a comment\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    for name in ("LAKE_URI", "VYAPARI_API_BACKEND", "BROKER"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_dotenv_values_apply_when_the_environment_is_silent(in_folder_with_env_file: Path) -> None:
    assert Settings.from_env().s3_location() == ("from-dotenv", "lake")
    assert ApiSettings.from_env().backend == "local"
    assert PreOpenSettings.from_env().instrument_brokers == ("zerodha",)


def test_the_environment_wins_over_dotenv(
    in_folder_with_env_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKE_URI", "s3://from-env/x")
    monkeypatch.setenv("BROKER", "upstox")
    assert Settings.from_env().lake_uri == "s3://from-env/x"
    assert PreOpenSettings.from_env().broker == "upstox"


def test_without_dotenv_the_defaults_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LAKE_URI", raising=False)
    assert Settings.from_env().lake_uri == "lake"
