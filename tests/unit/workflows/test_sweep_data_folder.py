"""``vyapari sweep --data DIR``: a grid on a bar folder (read once, items on forked workers) ranks the
same runs a plain ``vyapari backtest --data`` gives for each parameter set."""

from __future__ import annotations

import json

import pandas as pd

from vyapari.cli.main import main
from vyapari.strategy.synthetic import random_walk_panel


def _folder(path, symbols=3, sessions=4):
    panel = random_walk_panel(symbols, sessions, seed=11)
    ts = pd.DatetimeIndex(pd.to_datetime(panel.ts, utc=True)).tz_convert("Asia/Kolkata")
    path.mkdir()
    for j, symbol in enumerate(panel.symbols):
        pd.DataFrame({"ts": ts, "open": panel.open[:, j], "high": panel.high[:, j], "low": panel.low[:, j],
                      "close": panel.close[:, j], "volume": panel.volume[:, j].astype("int64")}
                     ).to_parquet(path / f"{symbol}.parquet", index=False)
    return path


def test_sweep_on_a_data_folder_matches_single_backtests(tmp_path, capsys):
    data = _folder(tmp_path / "bars")
    grid = {"fast": [5, 10], "slow": [20, 40]}
    argv = ["sweep", "--strategy", "sma_cross", "--params", '{"qty": 5}', "--grid", json.dumps(grid),
            "--data", str(data), "--out", str(tmp_path / "out"), "--workers", "2", "--json"]
    assert main(argv) == 0
    ranking = json.loads(capsys.readouterr().out)
    assert ranking["items"] == 4 and ranking["trials"] == 4
    assert (tmp_path / "out" / "runs" / "sweep" / "ranking.json").is_file()
    for row in ranking["top"]:
        params = json.dumps(row["params"])
        assert main(["backtest", "--strategy", "sma_cross", "--params", params, "--data", str(data),
                     "--json"]) == 0
        single = json.loads(capsys.readouterr().out)
        assert (row["fills"], row["pnl_inr"]) == (single["fills"], single["pnl_inr"]), params


def test_sweep_on_a_chunked_data_folder_runs_each_symbol_chunk(tmp_path, capsys):
    data = _folder(tmp_path / "bars")
    argv = ["sweep", "--strategy", "sma_cross", "--params", '{"qty": 5, "slow": 20}', "--grid",
            '{"fast": [5]}', "--data", str(data), "--out", str(tmp_path / "out"), "--symbols-per-item", "2",
            "--workers", "1", "--json"]
    assert main(argv) == 0
    ranking = json.loads(capsys.readouterr().out)
    assert sorted(len(r["symbols"]) for r in ranking["top"]) == [1, 2]


def test_sweep_with_a_lake_still_needs_dates(tmp_path, capsys):
    argv = ["sweep", "--strategy", "sma_cross", "--grid", '{"fast": [5]}', "--lake", str(tmp_path)]
    assert main(argv) == 2
    assert "--start/--end" in capsys.readouterr().err
