"""First render of the dashboard's overview on the demo lake, in headless Chromium (target < 1 s).

Runs ``vyapari demo`` into a temporary folder (or uses ``--demo DIR``), serves it with ``vyapari api
serve``, signs in once, then loads the overview ``--repeat`` times afresh in that tab and reports, per
load, the time from navigation to the strategies table on screen, and the ``GET /overview`` time.
Never run in CI: ``python benchmarks/bench_dashboard.py [--demo demo-output]``.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.unit.api.api_server import PASSWORD, add_user, serve  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo", type=Path, help="an existing vyapari demo --out folder")
    parser.add_argument("--sessions", default="30", help="sessions of the demo when it is made here")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        out = args.demo or Path(tmp) / "demo"
        if args.demo is None:
            subprocess.run([sys.executable, "-m", "vyapari.cli.main", "demo", "--out", str(out), "--sessions",
                            args.sessions, "--json"], cwd=ROOT, check=True, capture_output=True)
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
            browser.close()
    print(json.dumps({"workload": f"overview of the demo lake ({args.sessions} sessions, 50 symbols)",
                      "first_render_s": [round(r, 3) for r in renders],
                      "first_render_median_s": round(statistics.median(renders), 3),
                      "get_overview_median_s": round(statistics.median(calls), 3), "target_s": 1.0},
                     indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
