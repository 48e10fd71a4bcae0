"""The ASL files: every placeholder has a substitution, they validate, and the moto behaviour we rely on."""

from __future__ import annotations

import json
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest

from vyapari.workflows.asl import load_substitutions, placeholders, substitute

ROOT = Path(__file__).resolve().parents[3]
FILES = sorted((ROOT / "statemachines").glob("*.asl.json"))
VALIDATOR = ROOT / "node_modules" / ".bin" / "asl-validator"


def test_every_placeholder_of_every_asl_file_is_in_the_substitutions_table() -> None:
    table = load_substitutions(ROOT)
    assert {p.name for p in FILES} == {Path(v).name for v in table["state_machines"].values()}
    used: set[str] = set()
    for path in FILES:
        names = placeholders(path.read_text())
        used |= names
        filled = substitute(path.read_text(), {n: f"value-of-{n}" for n in table["placeholders"]})
        assert "${" not in filled and json.loads(filled)["StartAt"]
        for name in names:
            assert path.stem.removesuffix(".asl") in table["placeholders"][name]["state_machines"]
    assert used == set(table["placeholders"])  # no stale entries either


def test_function_placeholders_name_existing_handler_modules() -> None:
    for name, spec in load_substitutions(ROOT)["placeholders"].items():
        if spec["kind"] == "lambda_function_arn":
            assert (ROOT / spec["directory"] / "handler.py").is_file(), name


@pytest.mark.skipif(not VALIDATOR.exists(), reason="npm install asl-validator (scripts/test-setup does)")
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_asl_file_passes_asl_validator(path: Path) -> None:
    done = subprocess.run(
        [str(VALIDATOR), "--json-path", str(path)], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_pinned_moto_and_boto_versions_are_the_ones_the_patches_were_written_for() -> None:
    """The moto patches touch private classes: an upgrade must re-run these tests and bump the pins."""
    assert version("moto").startswith("5.2."), "re-check functions/local/moto_*.py against the new moto"
