"""The local sweep runs the workflow's own work items and ranks them."""

import json
from datetime import date

import pandas as pd
import pytest

from vyapari.cli.main import main
from vyapari.data.lake import Lake
from vyapari.strategy.synthetic import random_walk_panel


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("lake")
    panel = random_walk_panel(3, 4, seed=8, end=date(2025, 10, 1))
    ts = panel.timestamps()
    for n, symbol in enumerate(panel.symbols):
        frame = pd.DataFrame(
            {
                "ts": ts,
                "open": panel.open[:, n],
                "high": panel.high[:, n],
                "low": panel.low[:, n],
                "close": panel.close[:, n],
                "volume": panel.volume[:, n].astype("int64"),
            }
        )
        Lake.at(root).write_minute_bars("NSE", symbol, frame)
    return root, ts[0].date(), ts[-1].date()


def test_sweep_runs_every_grid_point_and_ranks_them(lake, capsys):
    root, start, end = lake
    code = main(
        [
            "sweep",
            "--strategy",
            "sma_cross",
            "--grid",
            '{"fast": [3, 5], "slow": [20, 30]}',
            "--lake",
            str(root),
            "--start",
            start.isoformat(),
            "--end",
            end.isoformat(),
            "--rank-by",
            "pnl_inr",
            "--workers",
            "2",
            "--run-id",
            "grid1",
            "--json",
        ]
    )
    assert code == 0
    ranking = json.loads(capsys.readouterr().out)
    assert ranking["items"] == 4 and ranking["trials"] == 4
    pnls = [row["pnl_inr"] for row in ranking["top"]]
    assert pnls == sorted(pnls, reverse=True)
    assert {json.dumps(r["params"], sort_keys=True) for r in ranking["top"]} == {
        json.dumps({"fast": f, "slow": s}, sort_keys=True) for f in (3, 5) for s in (20, 30)
    }
    assert (root / "runs" / "grid1" / "ranking.csv").exists()
    assert ranking["best_deflated_sharpe"] is None or 0 <= ranking["best_deflated_sharpe"] <= 1


def test_sweep_grid_point_equals_a_single_backtest(lake, capsys):
    root, start, end = lake
    main(
        [
            "sweep",
            "--strategy",
            "sma_cross",
            "--grid",
            '{"fast": [4]}',
            "--params",
            '{"slow": 25}',
            "--lake",
            str(root),
            "--start",
            start.isoformat(),
            "--end",
            end.isoformat(),
            "--workers",
            "1",
            "--run-id",
            "one",
            "--json",
        ]
    )
    swept = json.loads(capsys.readouterr().out)["best"]
    main(
        [
            "backtest",
            "--strategy",
            "sma_cross",
            "--params",
            '{"fast": 4, "slow": 25}',
            "--lake",
            str(root),
            "--start",
            start.isoformat(),
            "--end",
            end.isoformat(),
            "--json",
        ]
    )
    single = json.loads(capsys.readouterr().out)
    assert swept["pnl_inr"] == single["pnl_inr"] and swept["fills"] == single["fills"]


def test_sweep_rejects_a_bad_grid(lake, capsys):
    root, start, end = lake
    code = main(
        [
            "sweep",
            "--strategy",
            "sma_cross",
            "--grid",
            '{"fast": 3}',
            "--lake",
            str(root),
            "--start",
            start.isoformat(),
            "--end",
            end.isoformat(),
        ]
    )
    assert code == 2
    assert "grid" in capsys.readouterr().err
