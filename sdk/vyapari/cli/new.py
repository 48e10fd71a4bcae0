"""``vyapari new strategy NAME [--dir DIR]``: write a working strategy skeleton and its test.

Writes ``<name>.py`` (a vectorised momentum strategy to edit: a signal, fixed-notional sizing,
delivery product) and ``test_<name>.py`` (pytest: it runs the strategy on seeded synthetic bars
and checks that it trades within capital on the fast path). Refuses to overwrite existing files.
"""

from __future__ import annotations

import argparse
import keyword
import re
from pathlib import Path

STRATEGY_TEMPLATE = '''"""{cls}: a vyapari strategy (written by `vyapari new strategy {name}`; edit it).

Long a stock while it has risen `band` (fraction) over the last `lookback` minute bars, flat once it
has fallen as much; ₹`notional_inr` per stock, delivery (CNC). Row t of the signal uses rows <= t only.

    vyapari backtest --strategy {name}.py:{cls} --data BARS_FOLDER --out runs/{name}
    python -m pytest test_{name}.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vyapari.model.enums import ProductType
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.signals import VectorSignal
from vyapari.strategy.sizing import FixedNotional
from vyapari.strategy.strategy import Strategy


class {cls}Signal(VectorSignal):
    """Target weight per symbol and bar: 1 after a rise of `band`, 0 after a fall of `band`, else held."""

    def __init__(self, lookback: int, band: float) -> None:
        self.lookback, self.band = lookback, band

    def compute(self, panel: BarPanel) -> np.ndarray:
        past = np.roll(panel.close, self.lookback, axis=0)
        past[: self.lookback] = np.nan
        change = panel.close / past - 1
        entries = np.where(change > self.band, 1.0, np.where(change < -self.band, 0.0, np.nan))
        return pd.DataFrame(entries).ffill().fillna(0.0).to_numpy()


class {cls}(Strategy):
    """The signal, sized at ₹`notional_inr` per stock (keep notional × symbols within capital)."""

    def __init__(self, lookback: int = 375, band: float = 0.01, notional_inr: float = 15_000) -> None:
        signal = {cls}Signal(lookback, band)
        super().__init__(signal, FixedNotional(notional_inr), product=ProductType.CNC)
'''

TEST_TEMPLATE = '''"""Runs {cls} on seeded synthetic minute bars (from `vyapari new strategy {name}`)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from {name} import {cls}  # noqa: E402

import vyapari  # noqa: E402


def test_{name}_trades_on_the_fast_path_within_capital():
    bars = vyapari.synthetic_bars(symbols=4, sessions=5, seed=1)
    run = vyapari.run_backtest({cls}(lookback=30, band=0.002), bars, fees="zerodha")
    assert run.strategy == "{cls}"
    assert run.summary["path"] == "vector"  # no order beyond buying power, no per-bar hooks
    assert run.summary["fills"] > 0
    assert (run.orders["status"] != "REJECTED").all()
    assert run.equity["equity"].min() > 0
'''


def register(sub: argparse._SubParsersAction, name: str, help_text: str) -> None:
    """Add the ``new`` command."""
    p = sub.add_parser(name, help=help_text, description=help_text + ".")
    p.add_argument("kind", choices=["strategy"], help="what to create")
    p.add_argument("name", help="strategy name in snake_case, e.g. my_momentum (file my_momentum.py)")
    p.add_argument("--dir", type=Path, default=Path("."), help="folder to write into (default: here)")
    p.add_argument("--json", action="store_true", help="print the files written and the commands as JSON")
    p.set_defaults(func=run)


def class_name(name: str) -> str:
    """``my_momentum`` → ``MyMomentum``."""
    return "".join(part.capitalize() for part in name.split("_") if part)


def run(args: argparse.Namespace) -> int:
    """Write the skeleton and its test; print what was written and how to run it."""
    from vyapari.core.errors import InvalidInput

    name: str = args.name
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or keyword.iskeyword(name):
        raise InvalidInput("NAME", f"{name!r} is not a snake_case Python name (e.g. my_momentum)")
    cls = class_name(name)
    folder: Path = args.dir
    files = {folder / f"{name}.py": STRATEGY_TEMPLATE, folder / f"test_{name}.py": TEST_TEMPLATE}
    existing = [str(p) for p in files if p.exists()]
    if existing:
        raise InvalidInput("NAME", f"would overwrite {', '.join(existing)}")
    folder.mkdir(parents=True, exist_ok=True)
    for path, template in files.items():
        path.write_text(template.format(name=name, cls=cls), encoding="utf-8")
    where = folder / f"{name}.py"
    run_it = f"vyapari backtest --strategy {where}:{cls} --data BARS_FOLDER --out runs/{name}"
    test_it = f"python -m pytest {folder / f'test_{name}.py'}"
    if getattr(args, "json", False):
        from vyapari.cli._common import print_json

        print_json({"strategy": cls, "files": [str(p) for p in files], "run": run_it, "test": test_it})
        return 0
    for path in files:
        print(f"wrote {path}")
    print(f"run it:  {run_it}")
    print(f"test it: {test_it}")
    return 0
