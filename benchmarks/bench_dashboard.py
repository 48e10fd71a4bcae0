"""The dashboard's two speed promises, in headless Chromium on the demo lake (targets < 1 s each).

1. **Overview first render**: runs ``vyapari demo`` into a temporary folder (or uses ``--demo DIR``),
   serves it with ``vyapari api serve``, signs in once, then loads the overview ``--repeat`` times
   afresh in that tab and reports, per load, the time from navigation to the strategies table on
   screen, and the ``GET /overview`` time.
2. **Live event → page**: on the Live page, a ``vyapari live`` paper replay of the demo's last session
   (``--speed`` bars per second of replay time) publishes its events; each ``pnl`` event is stamped
   when it appears in the session's event log (polled every 1 ms, so its source time is late by at
   most that) and again when the page's P&L line changes to it (a MutationObserver's ``Date.now()``,
   same clock). Reports median / p95 / max of event → screen over the first ``--events`` events.

Never run in CI: ``python benchmarks/bench_dashboard.py [--demo demo-output --date YYYY-MM-DD]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.dashboard.live_events import (  # noqa: E402
    OBSERVE_PNL,
    EventTail,
    pnl_updates,
    shown_at,
)
from tests.unit.api.api_server import PASSWORD, add_user, serve  # noqa: E402

REPLAY_SYMBOLS = "RELIANCE,TCS,INFY,HDFCBANK,ICICIBANK"


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def live_latency(page: Any, server: Any, out: Path, session: str, events: int, speed: str) -> dict[str, Any]:
    """Event → page latency (s) of the first ``events`` P&L events of a paper replay (see the doc)."""
    page.goto(server.base + "/#/live/paper")
    page.wait_for_selector("[data-testid=positions]")
    page.wait_for_selector("[data-testid=stream-state]:has-text('live')", timeout=30_000)
    page.evaluate(OBSERVE_PNL)
    errors = out / "bench-replay.err"
    with EventTail(server.live_state_dir / "live-records.sqlite") as tail, errors.open("w") as stderr:
        replay = subprocess.Popen(
            [sys.executable, "-m", "vyapari.cli.main", "live", "run", "--broker", "paper",
             "--strategy", "vwap_reversion", "--params", json.dumps({"notional_inr": 50_000, "k": 1.0}),
             "--symbols", REPLAY_SYMBOLS, "--replay", str(out / "lake"), "--date", session,
             "--speed", speed, "--state-dir", str(server.live_state_dir), "--lake", str(out / "lake"),
             "--skip-ready", "--json"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr, text=True)
        try:
            while len([e for e in tail.events if e.channel == "pnl"]) < events and replay.poll() is None:
                page.wait_for_timeout(100)
            pnl = [e for e in tail.events if e.channel == "pnl"][:events]
            if not pnl:
                raise RuntimeError(f"the replay published no P&L: {errors.read_text()[-2000:]}")
            shown = "at => window.__pnlUpdates.some(u => u[1].endsWith(' at ' + at))"
            page.wait_for_function(shown, arg=str(pnl[-1].body["at"]), timeout=30_000)
        finally:
            replay.terminate()
            replay.wait(timeout=30)
    updates = pnl_updates(page)
    latencies, missed = [], 0
    for event in pnl:
        shown = [t for t, text in updates if shown_at(text) == str(event.body["at"])]
        if shown:
            latencies.append(shown[0] - event.seen_s)
        else:
            missed += 1
    return {"events": len(pnl), "not_shown": missed, "replay_speed": speed,
            "event_to_page_median_s": round(statistics.median(latencies), 4),
            "event_to_page_p95_s": round(percentile(latencies, 0.95), 4),
            "event_to_page_max_s": round(max(latencies), 4),
            "event_to_page_min_s": round(min(latencies), 4), "target_s": 1.0,
            "event_to_page_s": [round(x, 3) for x in latencies]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo", type=Path, help="an existing vyapari demo --out folder")
    parser.add_argument("--sessions", default="30", help="sessions of the demo when it is made here")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--date", help="the session to replay (default: the demo's last session)")
    parser.add_argument("--events", type=int, default=60, help="P&L events timed on the Live page")
    parser.add_argument("--speed", default="60", help="replay speed (x real time; 60 = one bar a second)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        out = args.demo or Path(tmp) / "demo"
        session = args.date
        if args.demo is None:
            done = subprocess.run([sys.executable, "-m", "vyapari.cli.main", "demo", "--out", str(out),
                                   "--sessions", args.sessions, "--json"], cwd=ROOT, check=True,
                                  capture_output=True, text=True)
            session = session or json.loads(done.stdout)["last_session"]
        if session is None:
            parser.error("--date: the session to replay is needed with --demo")
        user = f"bench{os.getpid()}"
        add_user(out / "api-state", user, "viewer")
        with serve(out, lake=out / "lake") as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                                 args=["--no-sandbox"])
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            page = context.new_page()
            page.goto(server.base + "/")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("[data-testid=strategies]")
            token = server.login(user)
            renders, calls = [], []
            for _ in range(args.repeat):
                page.goto("about:blank")  # a full load each time (the sign-in is this tab's session)
                start = time.perf_counter()
                page.goto(server.base + "/#/overview")
                page.wait_for_selector("[data-testid=strategies]")
                renders.append(time.perf_counter() - start)
                request = urllib.request.Request(server.base + "/overview",
                                                 headers={"Authorization": f"Bearer {token}"})
                start = time.perf_counter()
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                calls.append(time.perf_counter() - start)
            live = live_latency(page, server, out, session, args.events, args.speed)
            browser.close()
    print(json.dumps({"workload": f"overview of the demo lake ({args.sessions} sessions, 50 symbols)",
                      "first_render_s": [round(r, 3) for r in renders],
                      "first_render_median_s": round(statistics.median(renders), 3),
                      "get_overview_median_s": round(statistics.median(calls), 3), "target_s": 1.0,
                      "live": {"workload": f"paper replay of {session}, vwap_reversion on {REPLAY_SYMBOLS}, "
                                           "Live page of a viewer", **live}},
                     indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
