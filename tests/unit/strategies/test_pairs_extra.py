"""statsmodels is the optional ``pairs`` extra: without it the pairs strategy says which extra to install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# A fresh interpreter in which statsmodels cannot be imported (as after `pip install vyapari` alone).
SCRIPT = """
import sys
import numpy as np

class NoStatsmodels:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "statsmodels":
            raise ModuleNotFoundError("No module named 'statsmodels'", name="statsmodels")

sys.meta_path.insert(0, NoStatsmodels())
from vyapari.strategies.pairs import MissingDependency, select_pairs

prices = np.log(np.linspace(100, 120, 60)).reshape(-1, 1).repeat(2, axis=1)
try:
    select_pairs(prices, ["A", "B"], [("A", "B")], 0.05, 1)
except MissingDependency as error:
    print("MISSING:", error)
"""


def test_pairs_without_statsmodels_names_the_pairs_extra() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "sdk"), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env,
                          timeout=120, check=True)
    assert "MISSING:" in done.stdout, done.stdout + done.stderr
    assert "pip install 'vyapari[pairs]'" in done.stdout
    assert "statsmodels" in done.stdout


def test_statsmodels_is_not_a_base_dependency() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not any(r.startswith("statsmodels") for r in project["dependencies"])
    assert any(r.startswith("statsmodels") for r in project["optional-dependencies"]["pairs"])
