"""Fixtures of the dashboard's browser tests: the demo lake (the real ``vyapari demo``), ``vyapari api
serve`` on it with a viewer, a trader and an admin, and headless Chromium through Playwright.

Chromium is Debian's ``chromium`` package (``scripts/test-setup``); without it these tests FAIL.
Each page records console errors and uncaught exceptions; :func:`signed_in` signs in through the
dashboard's own form.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tests.unit.api.api_server import PASSWORD, ROOT, Server, add_user, serve

ARTIFACTS = ROOT / "tests" / "artifacts" / "dashboard"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
DEMO_SESSIONS = "12"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers",
                            "chromium: needs a headless Chromium on PATH (Debian package chromium)")


@dataclass
class Demo:
    """The demo's output folder and its JSON summary (``vyapari demo --json``)."""

    out: Path
    summary: dict[str, Any]

    def evaluation(self, run_id: str = "demo-vwap") -> dict[str, Any]:
        """The published evaluation, read from the lake as the API serves it."""
        document: dict[str, Any] = json.loads(
            (self.out / "lake" / "evaluations" / run_id / "latest.json").read_text(encoding="utf-8"))
        return document


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """``vyapari demo`` on a short sample: its lake and its run published for the dashboard."""
    out = tmp_path_factory.mktemp("dashboard-demo")
    done = subprocess.run([sys.executable, "-m", "vyapari.cli.main", "demo", "--out", str(out), "--sessions",
                           DEMO_SESSIONS, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=900,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return Demo(out, json.loads(done.stdout))


@pytest.fixture(scope="module")
def server(demo: Demo) -> Iterator[Server]:
    """``vyapari api serve`` on the demo's lake and registry, with users vera (viewer), tara (trader)
    and ada (admin)."""
    for name, role in (("vera", "viewer"), ("tara", "trader"), ("ada", "admin")):
        add_user(demo.out / "api-state", name, role)
    with serve(demo.out, lake=demo.out / "lake") as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (the system's) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        pytest.fail("Chromium is not on PATH: install Debian's chromium package (scripts/test-setup does)",
                    pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Tab:
    """A signed-in page and what went wrong in it (console errors, uncaught exceptions)."""

    page: Any
    errors: list[str] = field(default_factory=list)

    def goto(self, base: str, route: str, ready: str) -> None:
        """Open ``#/route`` and wait for the selector that says the page has rendered."""
        self.page.goto(f"{base}/#/{route}")
        self.page.wait_for_selector(ready, timeout=30_000)


@contextmanager
def signed_in(browser: Any, server: Server, user: str,
              viewport: dict[str, int] | None = None) -> Iterator[Tab]:
    """A fresh browser context signed in as ``user`` through the login form, on the overview."""
    context = browser.new_context(viewport=viewport or LAPTOP)
    page = context.new_page()
    tab = Tab(page)
    page.on("console", lambda m: tab.errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: tab.errors.append(f"page error: {exc}"))
    try:
        page.goto(server.base + "/")
        page.fill("[data-testid=login] input[name=username]", user)
        page.fill("[data-testid=login] input[name=password]", PASSWORD)
        page.click("[data-testid=login] button[type=submit]")
        page.wait_for_selector("[data-testid=strategies]", timeout=30_000)
        yield tab
    finally:
        context.close()
