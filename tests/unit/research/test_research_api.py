"""The notebook API: `from vyapari import ...`, DataFrames, statistics, figures, sweeps."""

import subprocess
import sys
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import vyapari
from vyapari import Strategy, backtest, costs, evaluate, load_bars
from vyapari.backtest.round_trips import round_trips
from vyapari.evaluation.run import evaluate_run_dir


@pytest.fixture(scope="module")
def bars():
    return vyapari.synthetic_bars(symbols=3, sessions=10, seed=3, end=date(2025, 10, 1))


@pytest.fixture(scope="module")
def run(bars):
    # MIS: squared off every day, so every fill belongs to a closed round trip
    params = {"fast": 5, "slow": 20, "qty": 10, "product": "MIS"}
    return backtest("sma_cross", bars, params=params)  # type: ignore[operator]  # a callable package


def test_import_vyapari_is_light_and_exports_the_api():
    code = "import sys, vyapari; print('pandas' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
    assert Strategy.__module__ == "vyapari.strategy.strategy"
    assert costs.round_trip is not None and callable(backtest) and callable(load_bars)
    assert set(vyapari.__all__) >= {"Strategy", "backtest", "evaluate", "load_bars", "costs", "run_backtest"}


def test_run_tables_are_dataframes_that_add_up(run):
    s = run.summary
    assert run.strategy == "sma_cross" and run.params["fast"] == 5
    assert isinstance(run.trades, pd.DataFrame) and len(run.trades) == s["fills"] > 0
    assert {"ts", "symbol", "side", "quantity", "price", "charges_inr", "realised_pnl_inr"} <= set(run.trades)
    assert isinstance(run.equity, pd.DataFrame) and run.equity.index.name == "ts"
    assert run.equity["equity"].iloc[-1] == pytest.approx(s["final_equity_inr"], abs=0.01)
    assert (run.equity["drawdown"] <= 0).all()
    assert run.equity["drawdown"].min() == pytest.approx(-s["statistics"]["max_drawdown"], abs=1e-6)
    trips = run.round_trips
    assert isinstance(trips, pd.DataFrame) and len(trips) > 0
    assert trips["gross_pnl_inr"].sum() == pytest.approx(run.trades["realised_pnl_inr"].sum(), abs=0.01)
    assert trips["net_pnl_inr"].sum() == pytest.approx(s["pnl_inr"], abs=0.01 * s["fills"])
    assert (trips["exit_ts"] >= trips["entry_ts"]).all() and (trips["holding"] >= pd.Timedelta(0)).all()
    assert run.stats["sharpe"] == s["statistics"]["sharpe"] and run.stats["fills"] == s["fills"]
    assert len(run.orders) == s["orders"] and "status" in run.orders


def test_round_trips_pair_fills_first_in_first_out():
    t = pd.Timestamp("2026-01-05 09:15", tz="Asia/Kolkata")
    trades = pd.DataFrame(
        {
            "ts": [t, t + pd.Timedelta(minutes=1), t + pd.Timedelta(minutes=5), t + pd.Timedelta(minutes=9),
                   t + pd.Timedelta(minutes=10), t + pd.Timedelta(minutes=12)],
            "symbol": ["A", "A", "A", "A", "A", "A"],
            "side": ["BUY", "BUY", "SELL", "SELL", "SELL", "BUY"],
            "quantity": [10, 5, 12, 3, 4, 4],
            "price": [100.0, 102.0, 105.0, 99.0, 110.0, 108.0],
            "charges_inr": [10.0, 5.0, 12.0, 6.0, 4.0, 8.0],
        }
    )  # fmt: skip
    trips = round_trips(trades)
    assert trips["quantity"].tolist() == [10, 2, 3, 4]
    assert trips["direction"].tolist() == ["long", "long", "long", "short"]
    assert trips["entry_price"].tolist() == [100.0, 102.0, 102.0, 110.0]
    assert trips["exit_price"].tolist() == [105.0, 105.0, 99.0, 108.0]
    assert trips["gross_pnl_inr"].tolist() == [50.0, 6.0, -9.0, 8.0]
    # charges per share: buys 1.0 each, the 12-share sell 1.0, the 3-share sell 2.0, the short 1.0 and 2.0
    assert trips["charges_inr"].tolist() == [20.0, 4.0, 9.0, 12.0]
    assert trips["net_pnl_inr"].tolist() == [30.0, 2.0, -18.0, -4.0]
    assert trips["holding"].tolist() == [pd.Timedelta(minutes=m) for m in (5, 4, 8, 2)]


def test_plot_and_report_are_plotly_figures_on_trading_time(run):
    fig = run.plot()
    assert isinstance(fig, go.Figure) and len(fig.data) == 2
    breaks = [dict(b.to_plotly_json()) for b in fig.layout.xaxis.rangebreaks]
    assert {"bounds": [15.5, 9.25], "pattern": "hour"} in breaks  # nights
    sessions = {str(d) for d in pd.DatetimeIndex(run.equity.index).date}
    skipped = {v.split(" ")[0] for b in breaks for v in b.get("values", [])}
    first, last = min(sessions), max(sessions)
    calendar = {str(d.date()) for d in pd.date_range(first, last)}
    assert skipped == calendar - sessions and any(pd.Timestamp(d).day_of_week >= 5 for d in skipped)
    np.testing.assert_allclose(np.asarray(fig.data[0].y), run.equity["equity"].to_numpy())  # short: whole
    report = run.report()
    verdict = evaluate(run)
    assert isinstance(report, go.Figure)
    assert verdict.badge.value.upper() in report.layout.title.text
    kinds = [t.type for t in report.data]
    assert kinds.count("heatmap") == 1 and kinds.count("table") == 2
    weekly = next(t for t in report.data if t.type == "bar" and list(t.x) == verdict.weekly["week"].tolist())
    assert len(weekly.y) == len(verdict.weekly)
    stats = next(t for t in report.data if t.type == "table")
    labels = list(stats.cells.values[0])
    assert "Sharpe" in labels and "Calmar" in labels and "Expectancy per round trip (net)" in labels
    sheet = run.tear_sheet()
    assert sheet.statistics["trades"] == len(run.round_trips)
    assert sheet.per_symbol["net_pnl_inr"].sum() == pytest.approx(
        run.trades["realised_pnl_inr"].sum() - run.trades["charges_inr"].sum())
    assert "sma_cross" in run._repr_html_()


def test_evaluate_matches_the_cli_verdict_of_the_written_run(run, tmp_path):
    out = run.write(tmp_path / "run")
    assert (out / "report.html").is_file()
    on_disk, _ = evaluate_run_dir(out)
    ours = evaluate(run)
    assert ours.badge == on_disk.badge and ours.to_dict()["criteria"] == on_disk.to_dict()["criteria"]
    assert evaluate(out).badge == on_disk.badge
    assert evaluate(run.equity["equity"]).max_drawdown == pytest.approx(on_disk.max_drawdown)


def test_load_bars_reads_a_folder_and_a_lake(bars, tmp_path):
    from vyapari.data.lake import Lake

    folder = tmp_path / "bars"
    folder.mkdir()
    for symbol in bars.symbols:
        frame = bars.symbol_frame(symbol)
        frame.to_parquet(folder / f"{symbol}.parquet")
        Lake.at(tmp_path / "lake").write_minute_bars("NSE", symbol, frame)
    first, last = bars.timestamps()[0].date(), bars.timestamps()[-1].date()
    for source in (folder, tmp_path / "lake"):
        panel = load_bars(source, symbols=bars.symbols[:2], start=first, end=last.isoformat())
        assert panel.symbols == bars.symbols[:2] and panel.shape[0] == bars.shape[0]
        np.testing.assert_array_equal(panel.close, bars.close[:, :2])
    with pytest.raises(ValueError, match="is a lake: give both start and end"):
        load_bars(tmp_path / "lake")
    assert load_bars(folder, start=first, end=first).shape[0] == 375
    from_path = backtest("sma_cross", folder, params={"fast": 5, "slow": 20})  # type: ignore[operator]  # a callable package
    assert from_path.summary["bars"] == bars.bar_count


def test_sweep_ranks_the_grid_with_a_heatmap_and_deflated_sharpe(bars):
    sweep = vyapari.sweep("sma_cross", {"fast": [3, 5, 8], "slow": [20, 30]}, bars, rank_by="sharpe")
    assert sweep.trials == 6 and len(sweep.ranking) == 6 and sweep.strategy == "sma_cross"
    sharpes = sweep.ranking["sharpe"].tolist()
    assert sharpes == sorted(sharpes, reverse=True) and sweep.ranking["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert sweep.best.stats["sharpe"] == sharpes[0]
    heat = sweep.heatmap()
    assert isinstance(heat, go.Figure) and np.asarray(heat.data[0].z).shape == (2, 3)
    assert sweep.deflated_sharpe is None or 0.0 <= sweep.deflated_sharpe <= 1.0
    with pytest.raises(ValueError, match="rank_by"):
        vyapari.sweep("sma_cross", {"fast": [3]}, bars, rank_by="luck")
