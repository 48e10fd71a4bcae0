"""The CLI's seam to code outside the sdk: plugins named in pyproject.toml or by an entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.api.api_server import ROOT, vyapari

from vyapari.cli.plugins import configured, load_plugin
from vyapari.core.errors import InvalidInput


def _module(folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text("def handler(event, context):\n    return {'from': __name__}\n")


def test_the_repository_names_its_handler_and_runner_in_pyproject() -> None:
    for kind, (module, function) in {"api-handler": ("functions.api.handler", "lambda_handler"),
                                     "workflow-runner": ("functions.local.runner", "run_workflow")}.items():
        found = configured(kind, ROOT)
        assert found is not None and found[0] == f"{module}:{function}"
        source = (ROOT / module.replace(".", "/")).with_suffix(".py").read_text()
        assert f"def {function}(" in source  # imported by the CLI tests that serve or run it


def test_a_plugin_comes_from_pyproject_then_from_an_entry_point(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    app = tmp_path / "app"
    _module(app, "mine_pyproject")
    (app / "pyproject.toml").write_text('[tool.vyapari.plugins]\napi-handler = "mine_pyproject:handler"\n')
    assert load_plugin("api-handler", app_dir=app)(None, None) == {"from": "mine_pyproject"}

    site = tmp_path / "site"
    _module(site, "mine_entry")
    info = site / "mine_entry-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mine-entry\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[vyapari.plugins]\napi-handler = mine_entry:handler\n")
    monkeypatch.syspath_prepend(str(site))
    assert load_plugin("api-handler", app_dir=tmp_path / "empty")(None, None) == {"from": "mine_entry"}


def test_without_the_repository_the_error_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"functions/ package.*clone of the repository.*--app-dir"):
        load_plugin("workflow-runner", app_dir=tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.vyapari.plugins]\napi-handler = "absent_module:run"\n')
    with pytest.raises(InvalidInput, match="cannot import absent_module"):
        load_plugin("api-handler", app_dir=tmp_path, option="--handler")
    (tmp_path / "pyproject.toml").write_text("[tool.vyapari\n")
    with pytest.raises(InvalidInput, match="not valid TOML"):
        load_plugin("api-handler", app_dir=tmp_path)


def test_local_run_outside_the_repository_names_the_missing_runner(tmp_path: Path) -> None:
    done = vyapari("local", "run", "backtest", "--lake", str(tmp_path / "lake"), "--app-dir", str(tmp_path))
    assert done.returncode == 2
    assert "workflow runner" in done.stderr and "functions/" in done.stderr, done.stderr

