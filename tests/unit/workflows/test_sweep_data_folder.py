"""``vyapari sweep --data DIR``: a grid on a bar folder (read once, what the points share computed once,
points on forked workers) gives each parameter set exactly the run a plain ``vyapari backtest --data``
gives it: the same summary.json byte for byte and the same fills."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from vyapari.cli.main import main
from vyapari.strategy.synthetic import random_walk_panel

GRID = {"fast": [3, 5, 8], "slow": [20, 30]}
SWEEP = ["sweep", "--strategy", "sma_cross", "--params", '{"qty": 5}', "--fees", "zerodha"]


def _folder(path, symbols=3, sessions=4, gaps=False):
    panel = random_walk_panel(symbols, sessions, seed=11)
    ts = pd.DatetimeIndex(pd.to_datetime(panel.ts, utc=True)).tz_convert("Asia/Kolkata")
    path.mkdir()
    for j, symbol in enumerate(panel.symbols):
        frame = pd.DataFrame({"ts": ts, "open": panel.open[:, j], "high": panel.high[:, j],
                              "low": panel.low[:, j], "close": panel.close[:, j],
                              "volume": panel.volume[:, j].astype("int64")})
        if gaps and j == 1:  # a symbol missing bars: its SMAs run over its own bars only
            frame = frame.drop(index=list(range(100, 160)) + list(range(400, 700, 3)))
        frame.to_parquet(path / f"{symbol}.parquet", index=False)
    return path


def _fills(run_dir):
    cols = ["ts", "symbol", "side", "quantity", "price", "charges_inr", "realised_pnl_inr"]
    return pd.read_parquet(run_dir / "trades.parquet", columns=cols)


def _single(data, params, out):
    argv = ["backtest", "--strategy", "sma_cross", "--params", json.dumps(params), "--data", str(data),
            "--fees", "zerodha", "--out", str(out), "--json"]
    assert main(argv) == 0
    return out


@pytest.mark.parametrize("gaps", [False, True], ids=["every-bar", "missing-bars"])
def test_every_grid_point_equals_its_single_backtest(tmp_path, capsys, gaps):
    data = _folder(tmp_path / "bars", gaps=gaps)
    out = tmp_path / "out"
    argv = [*SWEEP, "--grid", json.dumps(GRID), "--data", str(data), "--out", str(out), "--workers", "2",
            "--keep-runs", "--json"]
    assert main(argv) == 0
    ranking = json.loads(capsys.readouterr().out)
    assert ranking["items"] == 6 and ranking["trials"] == 6
    assert sum(row["fills"] for row in ranking["top"]) > 0
    for row in ranking["top"]:
        item = out / "runs" / "sweep" / row["item_id"]
        single = _single(data, row["params"], tmp_path / f"single-{row['item_id']}")
        capsys.readouterr()
        assert (item / "summary.json").read_text() == (single / "summary.json").read_text(), row["params"]
        pd.testing.assert_frame_equal(_fills(item), _fills(single))


def test_only_the_best_points_keep_their_full_results(tmp_path, capsys):
    data = _folder(tmp_path / "bars")
    out = tmp_path / "out"
    argv = [*SWEEP, "--grid", json.dumps(GRID), "--data", str(data), "--out", str(out), "--workers", "2",
            "--keep-top", "2", "--json"]
    assert main(argv) == 0
    ranking = json.loads(capsys.readouterr().out)
    run = out / "runs" / "sweep"
    full = sorted(p.parent.name for p in run.glob("*/trades.parquet"))
    assert full == sorted(row["item_id"] for row in ranking["top"][:2])
    assert len(list(run.glob("*/summary.json"))) == 6 and len(list(run.glob("*/item.json"))) == 6
    assert (out / "report.html").is_file() and (out / "best" / "report.html").is_file()
    for row in ranking["top"]:  # the summary a point wrote without its files is the single run's
        single = _single(data, row["params"], tmp_path / f"single-{row['item_id']}")
        capsys.readouterr()
        summary = json.loads((run / row["item_id"] / "summary.json").read_text())
        assert summary == json.loads((single / "summary.json").read_text())


def test_sweep_on_a_chunked_data_folder_runs_each_symbol_chunk(tmp_path, capsys):
    data = _folder(tmp_path / "bars")
    argv = ["sweep", "--strategy", "sma_cross", "--params", '{"qty": 5, "slow": 20}', "--grid",
            '{"fast": [5]}', "--data", str(data), "--out", str(tmp_path / "out"), "--symbols-per-item", "2",
            "--workers", "1", "--json"]
    assert main(argv) == 0
    ranking = json.loads(capsys.readouterr().out)
    assert sorted(len(r["symbols"]) for r in ranking["top"]) == [1, 2]


@pytest.mark.parametrize(
    ("grid", "words"),
    [
        ('{"fast": [5, 30], "slow": [20]}', ['"fast": 30', "shorter than slow"]),
        ('{"fats": [5]}', ["fats"]),
        ('{"fast": 5}', ["grid"]),
        ('{"fast": []}', ["grid"]),
        ('[5, 10]', ["--grid", "JSON object"]),
    ],
    ids=["fast-not-below-slow", "unknown-parameter", "not-a-list", "empty-list", "not-an-object"],
)
def test_a_bad_grid_fails_at_once_naming_it(tmp_path, capsys, grid, words):
    data = _folder(tmp_path / "bars")
    argv = [*SWEEP, "--grid", grid, "--data", str(data), "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert all(w in err for w in words), err
    assert not (tmp_path / "out" / "runs").exists()  # nothing ran, nothing written


def test_a_negative_keep_top_is_refused(tmp_path, capsys):
    data = _folder(tmp_path / "bars")
    argv = [*SWEEP, "--grid", '{"fast": [5]}', "--data", str(data), "--keep-top", "-1"]
    assert main(argv) == 2
    assert "--keep-top" in capsys.readouterr().err


def test_sweep_with_a_lake_still_needs_dates(tmp_path, capsys):
    argv = ["sweep", "--strategy", "sma_cross", "--grid", '{"fast": [5]}', "--lake", str(tmp_path)]
    assert main(argv) == 2
    assert "--start/--end" in capsys.readouterr().err
