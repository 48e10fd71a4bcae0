"""The broker login (the login callback's function has no pandas or numpy) imports neither: the broker
packages load their adapters only when asked for them."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
from vyapari.brokers.zerodha import kite_config_from_env, kite_login, kite_login_url
from vyapari.brokers.upstox import upstox_config_from_env, upstox_login, upstox_login_url
import vyapari.brokers.login_state
heavy = sorted(m for m in ("pandas", "numpy", "pyarrow") if m in sys.modules)
assert not heavy, heavy
from vyapari.brokers.zerodha import KiteBrokerAdapter
assert "pandas" in sys.modules and KiteBrokerAdapter.__name__ == "KiteBrokerAdapter"
"""


def test_login_modules_import_without_pandas() -> None:
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
