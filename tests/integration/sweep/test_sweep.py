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
    for symbol in panel.symbols:
        Lake.at(root).write_minute_bars("NSE", symbol, panel.symbol_frame(symbol))
    ts = panel.timestamps()
    return root, ts[0].date(), ts[-1].date()


def run_cli(command, lake, *extra):
    """``vyapari <command> --strategy sma_cross --lake … --start … --end … <extra>``; its exit status."""
    root, start, end = lake
    return main(
        [
            command,
            "--strategy",
            "sma_cross",
            "--lake",
            str(root),
            "--start",
            start.isoformat(),
            "--end",
            end.isoformat(),
            *extra,
        ]
    )


def test_sweep_runs_every_grid_point_and_ranks_them(lake, capsys):
    root = lake[0]
    code = run_cli(
        "sweep",
        lake,
        "--grid",
        '{"fast": [3, 5], "slow": [20, 30]}',
        "--rank-by",
        "pnl_inr",
        "--workers",
        "2",
        "--run-id",
        "grid1",
        "--json",
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
    run_cli(
        "sweep",
        lake,
        "--grid",
        '{"fast": [4]}',
        "--params",
        '{"slow": 25}',
        "--workers",
        "1",
        "--run-id",
        "one",
        "--json",
    )
    swept = json.loads(capsys.readouterr().out)["best"]
    run_cli("backtest", lake, "--params", '{"fast": 4, "slow": 25}', "--json")
    single = json.loads(capsys.readouterr().out)
    assert swept["pnl_inr"] == single["pnl_inr"] and swept["fills"] == single["fills"]


def test_sweep_rejects_a_bad_grid(lake, capsys):
    code = run_cli("sweep", lake, "--grid", '{"fast": 3}')
    assert code == 2
    assert "grid" in capsys.readouterr().err


def _fills(run_dir):
    cols = ["ts", "symbol", "side", "quantity", "price", "charges_inr", "realised_pnl_inr"]
    return pd.read_parquet(run_dir / "trades.parquet", columns=cols)


@pytest.mark.parametrize("per_item", ["1000", "2"], ids=["lake-read-once", "symbol-chunks"])
def test_every_lake_grid_point_equals_its_single_backtest(lake, capsys, tmp_path, per_item):
    root = lake[0]
    run_id = f"every-{per_item}"
    code = run_cli("sweep", lake, "--grid", '{"fast": [3, 6], "slow": [20, 25]}', "--params", '{"qty": 7}',
                   "--symbols-per-item", per_item, "--keep-runs", "--workers", "2", "--run-id", run_id,
                   "--json")
    assert code == 0
    ranking = json.loads(capsys.readouterr().out)
    assert ranking["items"] == (4 if per_item == "1000" else 8)
    assert sum(row["fills"] for row in ranking["top"]) > 0
    for row in ranking["top"]:
        single = tmp_path / row["item_id"]
        params = json.dumps(row["params"])
        assert run_cli("backtest", lake, "--params", params, "--symbols", ",".join(row["symbols"]),
                       "--out", str(single), "--json") == 0
        capsys.readouterr()
        item = root / "runs" / run_id / row["item_id"]
        swept, alone = ((d / "summary.json").read_text() for d in (item, single))
        assert json.loads(swept) == json.loads(alone)
        pd.testing.assert_frame_equal(_fills(item), _fills(single))
