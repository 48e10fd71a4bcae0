"""The documentation site builds (mkdocs --strict, as ``make docs``) and holds what the README promises."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)], cwd=ROOT,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True,
                          timeout=600, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def _text(page: Path) -> str:
    return re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))


def test_the_sdk_reference_is_generated_from_the_docstrings(site: Path) -> None:
    from vyapari.strategy.sizing import FixedNotional

    reference = _text(site / "reference" / "strategy" / "index.html")
    first_line = (FixedNotional.__doc__ or "").strip().splitlines()[0].replace("`", "")
    assert "FixedNotional" in reference and first_line[:40] in reference


def test_the_tutorial_and_the_deploy_guide_are_pages(site: Path) -> None:
    assert "vyapari backtest --strategy sma_cross" in _text(site / "tutorial" / "index.html")
    deploy = _text(site / "deploy" / "index.html")
    assert "Deploy, step by step" in deploy and "EgressIp" in deploy


def test_the_site_loads_nothing_from_other_hosts(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="https?://', index)


def test_the_readme_links_the_docs_and_the_licence_matches_the_project() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make docs" in readme and "docs/tutorial.md" in readme
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert project["license"] == "Apache-2.0"
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
