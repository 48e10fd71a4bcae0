"""CI (``.ci/run``) gates on style, types and import contracts before any test runs."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _make_dry_run(target: str) -> list[str]:
    """The commands ``make TARGET`` would run, in order (``make -n`` expands sub-makes too)."""
    out = subprocess.run(["make", "-n", "--no-print-directory", target], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in script.splitlines()[-1]


def test_make_test_runs_ruff_mypy_and_import_linter_before_pytest() -> None:
    commands = _make_dry_run("test")
    def first(tool: str) -> int:
        return next(i for i, c in enumerate(commands) if tool in c)

    gates = [first("ruff check"), first("mypy"), first("lint-imports")]
    assert max(gates) < first("pytest"), commands


def test_mypy_checks_the_sdk_the_functions_cdk_and_tests() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert set(config["files"]) == {"sdk/vyapari", "functions", "cdk", "tests"}
    assert config["disallow_untyped_defs"] is True


def test_each_tier_has_a_make_target() -> None:
    for tier in ("unit", "integration", "infrastructure"):
        assert any("pytest" in c and f"tests/{tier}" in c for c in _make_dry_run(f"test-{tier}"))
