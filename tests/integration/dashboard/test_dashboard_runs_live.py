"""The dashboard driving real work — these need the local run executor and the live bridge of the
dashboard's server side (``POST /strategy-runs/<id>/start`` executing the run with ``status`` going
``RUNNING`` → ``SUCCEEDED`` and a ``progress`` 0..1; a local ``vyapari live`` session's orders,
positions and trades listed by the API and pushed to the local WebSocket endpoint named in
``config.json``'s ``ws_url``). Until that server side is in, they fail: the run stays ``STARTED`` and the
stream stays ``off``.

* Launch: a trader starts a small backtest of the demo definition from the form, watches it finish and
  lands on its run page with its tear sheet.
* Live: a paper replay of the demo's last session moves the positions and the P&L on the Live page
  while it runs, and every P&L the page shows follows an event the session had already published
  with that figure (no timing is asserted here: ``benchmarks/bench_dashboard.py`` times it).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.integration.dashboard.conftest import Demo, signed_in
from tests.integration.dashboard.live_events import read_events, shown_at
from tests.unit.api.api_server import ROOT, Server

pytestmark = [pytest.mark.chromium, pytest.mark.slow]


def test_a_trader_starts_a_small_backtest_and_sees_it_finish(demo: Demo, server: Server, browser) -> None:
    with signed_in(browser, server, "tara") as tab:
        page = tab.page
        tab.goto(server.base, "launch", "[data-testid=launch-form]")
        page.select_option("[data-testid=launch-form] select[name=strategy_name]", "vwap-demo")
        page.fill("[data-testid=launch-form] input[name=symbols]", "RELIANCE,TCS,INFY")
        page.fill("[data-testid=launch-form] input[name=start]", demo.summary["first_session"])
        page.fill("[data-testid=launch-form] input[name=end]", demo.summary["last_session"])
        page.select_option("[data-testid=launch-form] select[name=interval]", "1m")
        page.select_option("[data-testid=launch-form] select[name=fees]", "upstox")
        page.fill("[data-testid=launch-form] input[name=capital_inr]", "500000")
        page.click("[data-testid=launch]")
        # a readiness wait, not a timing check: on a loaded CI machine the pool may take minutes
        page.wait_for_selector("[data-testid=launch-status]:has-text('RUNNING'), "
                               "[data-testid=launch-status]:has-text('SUCCEEDED')", timeout=300_000)
        page.wait_for_url("**/#/run/run-*", timeout=600_000)
        run_id = page.url.rsplit("/", 1)[-1]
        status, run = server.call("GET", f"/strategy-runs/{run_id}", token=server.login("tara"))
        assert (status, run["status"]) == (200, "SUCCEEDED")
        assert (run["fees"], run["capital_inr"]) == ("upstox", 500000)  # the costs chosen on the page
        frame = page.frame_locator("[data-testid=tear-sheet]")
        frame.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        assert tab.errors == []


def _pnl(page) -> str:
    return str(page.inner_text("[data-testid=pnl]"))


def _day_pnl(text: str) -> float:
    """The day P&L (₹) of the page's P&L line (``… day P&L ₹-1,234.50 · …``)."""
    match = re.search(r"day P&L ₹(-?[\d,]+\.\d{2})", text)
    assert match, text
    return float(match.group(1).replace(",", ""))


def _follows_a_published_event(text: str, events: Path) -> None:
    """The P&L line shows a ``pnl`` event the session had already written, with its figure."""
    published = [body for _, _, body in read_events(events, channel="pnl")
                 if str(body.get("at")) == shown_at(text)]
    assert published, f"the page shows {text!r}, which the session has not published"
    figures = [round(float(body["day_pnl_inr"]), 2) for body in published]
    assert _day_pnl(text) in figures, (text, published)


def test_a_paper_replay_moves_positions_and_pnl_on_the_live_page(demo: Demo, server: Server, browser) -> None:
    with signed_in(browser, server, "tara") as tab:
        page = tab.page
        tab.goto(server.base, "live/paper", "[data-testid=positions]")
        page.wait_for_selector("[data-testid=stream-state]:has-text('live')", timeout=30_000)
        replay = subprocess.Popen(
            [sys.executable, "-m", "vyapari.cli.main", "live", "run", "--broker", "paper",
             "--strategy", "vwap_reversion", "--params", json.dumps({"notional_inr": 50_000, "k": 1.0}),
             "--symbols", "RELIANCE,TCS,INFY,HDFCBANK,ICICIBANK", "--replay", str(demo.out / "lake"),
             "--date", demo.summary["last_session"], "--speed", "600",
             "--state-dir", str(server.live_state_dir), "--lake", str(demo.out / "lake"), "--skip-ready",
             "--json"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            events = server.live_state_dir / "live-records.sqlite"
            page.wait_for_selector("[data-testid=pnl]:has-text('day P&L')", timeout=120_000)
            seen = [_pnl(page)]
            _follows_a_published_event(seen[-1], events)
            changed = "prev => document.querySelector('[data-testid=pnl]').innerText !== prev"
            while len({text.split(" at ")[0] for text in seen}) < 2:  # the P&L figure itself moves
                assert len(seen) < 400, f"the P&L did not move while the replay ran: {seen[-3:]}"
                page.wait_for_function(changed, arg=seen[-1], timeout=60_000)  # the next WebSocket push
                seen.append(_pnl(page))
                _follows_a_published_event(seen[-1], events)
            failed = replay.poll() not in (None, 0)
            assert not failed, replay.stderr.read() if replay.stderr else ""
            page.wait_for_selector("[data-testid=positions] tbody tr, [data-testid=fills] tbody tr",
                                   timeout=120_000)
        finally:
            replay.terminate()
            replay.wait(timeout=30)
        assert tab.errors == []
