"""``vyapari demo``: the main job end to end on generated sample data.

sample data (synthetic NIFTY 50 / SENSEX bhavcopies, minute bars, corporate actions)
→ ingest into a local lake → minute bars into the lake → the VWAP mean-reversion backtest
on the NIFTY 50 universe → weekly evaluation against the target → report.json and
report.html → the run published for the dashboard (the lake's ``evaluations/demo-vwap/`` and the
local API's registry in ``<out>/api-state``: ``vyapari api serve --lake <out>/lake --state-dir
<out>/api-state`` shows it). The data is synthetic: the badge says nothing about real markets.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from vyapari.cli._common import date_arg, print_json


def register(sub: argparse._SubParsersAction, name: str, help_text: str) -> None:
    """Add the ``demo`` command."""
    p = sub.add_parser(name, help=help_text, description=__doc__)
    p.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder (demo-output)")
    p.add_argument("--sessions", type=int, default=30, help="sessions of sample data (default 30)")
    p.add_argument("--end", type=date_arg, help="sample data ends before this date (default: today, IST)")
    p.add_argument("--seed", type=int, default=7, help="random seed of the sample data (default 7)")
    p.add_argument("--json", action="store_true", help="no progress; print a JSON summary at the end")
    p.set_defaults(func=run)


def _step(console: Any, text: str) -> None:
    console.print(f"[bold cyan]▶[/] {text}")


def ingest_sample(sample_dir: Path, lake_dir: Path) -> dict[str, int]:
    """Ingest the sample's bhavcopies and corporate actions, then its minute bars; counts by status."""
    from vyapari.cli.ingest import expand
    from vyapari.data.lake import Lake

    lake = Lake.at(lake_dir)
    counts: dict[str, int] = {}
    folders = [sample_dir / d for d in ("nse_udiff", "bse_udiff", "corporate_actions")]
    for path in expand([f for f in folders if f.exists()]):
        status = lake.ingest_file(path).status
        counts[status] = counts.get(status, 0) + 1
    import pandas as pd

    for path in sorted((sample_dir / "minute").glob("*.parquet")):
        lake.write_minute_bars("NSE", path.stem, pd.read_parquet(path))
    counts["minute_symbols"] = len(list((sample_dir / "minute").glob("*.parquet")))
    return counts


def run(args: argparse.Namespace) -> int:
    """Run every step, printing progress, and say where the report is."""
    from rich.console import Console

    from vyapari.backtest.config import BacktestConfig
    from vyapari.backtest.engine import run_backtest
    from vyapari.costs.spec import fee_model_from_spec
    from vyapari.data.sample import generate_sample
    from vyapari.model.enums import Exchange
    from vyapari.strategies import make_strategy
    from vyapari.strategy.feed import LakeDataFeed, load_panel

    console = Console(quiet=args.json)
    out: Path = args.out
    _step(console, f"writing {args.sessions} sessions of synthetic sample data to {out / 'sample'}")
    summary = generate_sample(out / "sample", sessions=args.sessions, end=args.end, seed=args.seed)
    start, end = summary.sessions[0], summary.sessions[-1]
    _step(console, f"ingesting into the lake at {out / 'lake'}")
    counts = ingest_sample(out / "sample", out / "lake")
    console.print(f"  files: {json.dumps(counts)}")
    _step(console, f"backtesting vwap_reversion on NIFTY 50 minute bars, {start} .. {end}")
    feed = LakeDataFeed(out / "lake", Exchange.NSE, None, "1m")
    panel = load_panel(feed, start, end, exchange=Exchange.NSE)
    strategy = make_strategy("vwap_reversion", {"notional_inr": 50_000})
    config = BacktestConfig(capital_inr=1_000_000, fees=fee_model_from_spec("zerodha"), run_id="demo-vwap")
    result = run_backtest(strategy, panel, config)
    run_dir = out / "runs" / "vwap_reversion"
    result.write(run_dir)
    s = result.summary
    console.print(
        f"  {s['bars']:,} bars, {s['fills']:,} fills, P&L ₹{s['pnl_inr']:,.2f} after "
        f"₹{s['charges_inr']:,.2f} of charges ({s['path']} engine)"
    )
    _step(console, "robustness: costs at 1x/2x/3x and a walk-forward over k")
    robustness = _robustness(panel, config)
    badge, report = _evaluate(console, run_dir, robustness)
    _publish(console, out, run_dir, start, end)
    if args.json:
        print_json({"out": str(out), "first_session": start, "last_session": end, "files": counts,
                    "run_dir": str(run_dir), "summary": s, "badge": badge, "report": str(report)})
    return 0


def _robustness(panel: Any, config: Any) -> dict[str, Any]:
    from vyapari.evaluation.checks import cost_sensitivity_of, walk_forward_of
    from vyapari.strategies import make_strategy

    base = {"notional_inr": 50_000}
    grid = [{**base, "k": k} for k in (1.5, 2.0, 2.5)]
    sessions = len(panel.session_dates)
    return {
        "cost_sensitivity": cost_sensitivity_of(
            lambda p: make_strategy("vwap_reversion", p), base, panel, config
        ),
        "walk_forward": walk_forward_of(
            lambda p: make_strategy("vwap_reversion", p),
            grid,
            panel,
            config,
            in_sample=max(sessions // 3, 2),
            out_of_sample=max(sessions // 6, 1),
        ),
    }


def _evaluate(console: Any, run_dir: Path, robustness: dict[str, Any]) -> tuple[str, Path]:
    from vyapari.evaluation.run import evaluate_run_dir

    _step(
        console,
        "weekly evaluation against the target (≥1% mean weekly gross return, ≤10% max drawdown, "
        "P95 weekly drawdown ≥ −3%)",
    )
    evaluation, report = evaluate_run_dir(run_dir, run_dir, robustness=robustness)
    badge = evaluation.badge
    colour = {"green": "green", "amber": "yellow", "red": "red"}.get(badge, "white")
    console.print(
        f"  overall badge: [bold {colour}]{badge.upper()}[/] (synthetic data: says nothing about "
        "real markets)"
    )
    console.print(f"  report: {report}")
    return badge, report


def _publish(console: Any, out: Path, run_dir: Path, start: date, end: date) -> None:
    """Publish the run where ``vyapari api serve`` (and so the dashboard) lists it."""
    from vyapari.api.ports import JsonFileRecordStore
    from vyapari.api.publish_local import LocalRun, publish_run_dir
    from vyapari.api.registry import now_ist
    from vyapari.data.storage import LocalObjectStore

    _step(console, f"publishing the run for the dashboard ({out / 'api-state'})")
    symbols = sorted(p.stem for p in (out / "sample" / "minute").glob("*.parquet"))
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    run = LocalRun(run_id="demo-vwap", name="vwap-demo", strategy="vwap_reversion",
                   params=dict(summary.get("params") or {"notional_inr": 50_000}), exchange="NSE",
                   symbols=symbols, start=start, end=end,
                   interval="1m", finished_at=now_ist().isoformat(),
                   description="the demo: VWAP mean reversion on synthetic NIFTY 50 minute bars")
    publish_run_dir(run_dir, run, LocalObjectStore(out / "lake"),
                    JsonFileRecordStore(out / "api-state" / "registry_table.json"))
    console.print(f"  dashboard: vyapari api serve --lake {out / 'lake'} --state-dir {out / 'api-state'}")
