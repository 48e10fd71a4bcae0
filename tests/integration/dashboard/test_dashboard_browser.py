"""The dashboard in headless Chromium on the demo lake, as a quant uses it: sign in, see the demo run's
badge and its reasons, open its tear sheet, find every page free of console errors at laptop and phone
widths (screenshots in ``tests/artifacts/dashboard/``, gitignored); a viewer is offered nothing that
changes state and the API refuses them anyway; a trader engages the kill switch, is not offered its
release and is refused it by the API; an admin releases it."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.integration.dashboard.conftest import ARTIFACTS, LAPTOP, PHONE, Demo, signed_in
from tests.unit.api.api_server import Server

pytestmark = [pytest.mark.chromium, pytest.mark.slow]

PAGES = {"overview": "[data-testid=strategies]", "run/demo-vwap": "[data-testid=weekly-chart] .main-svg",
         "live": "[data-testid=positions]", "launch": "[data-testid=runs]",
         "data": "[data-testid=coverage-NSE]"}


def test_the_overview_shows_the_demo_run_with_its_badge_and_reasons(demo: Demo, server: Server,
                                                                    browser) -> None:
    published = demo.evaluation()
    with signed_in(browser, server, "vera") as tab:
        row = tab.page.locator("[data-testid=strategies] tbody tr", has_text="vwap-demo")
        assert row.count() == 1
        overall = row.locator("td:nth-child(3) [data-badge]")
        assert overall.get_attribute("data-badge") == published["badge"] == demo.summary["badge"]
        for criterion in published["criteria"]:
            item = row.locator(f"[data-criterion='{criterion['name']}']")
            assert item.locator("[data-badge]").get_attribute("data-badge") == criterion["badge"]
            assert criterion["reason"] in item.inner_text()
        this_week = published["weekly"][-1]["week"]
        assert this_week in row.inner_text()
        assert "released" in tab.page.inner_text("[data-testid=kill-state]")
        assert tab.page.inner_text("[data-testid=readiness]").strip()
        assert tab.errors == []


def test_the_run_page_opens_the_tear_sheet(server: Server, browser) -> None:
    with signed_in(browser, server, "vera") as tab:
        tab.page.click("[data-testid=run-link]")
        tab.page.wait_for_url("**/#/run/demo-vwap")
        frame = tab.page.frame_locator("[data-testid=tear-sheet]")
        frame.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        assert frame.locator(".js-plotly-plot").count() >= 2
        tab.page.wait_for_selector("[data-testid=round-trips] tbody tr")
        assert tab.page.locator("[data-testid=weekly-chart] .main-svg").count() >= 1
        assert tab.errors == []


def _fetch(url: str) -> tuple[int, str, str]:
    """Status, content type and body of a GET without any header (as the iframe loads it)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers["Content-Type"], refused.read().decode()


def test_the_tear_sheet_link_is_short_lived_and_opens_only_its_run(demo: Demo, server: Server) -> None:
    from vyapari.api.report_links import sign_link

    viewer = server.login("vera")
    status, link = server.call("GET", "/strategy-runs/demo-vwap/report-link", token=viewer)
    assert status == 200 and link["run_id"] == "demo-vwap" and 0 < link["expires_in_s"] <= 120
    assert viewer not in link["url"] and "token=" not in link["url"]  # no session token in a URL
    status, kind, body = _fetch(server.base + link["url"])
    published = demo.evaluation()["reports"]
    (key,) = [k for k in published if k.endswith("/report.html")]
    assert status == 200 and kind.startswith("text/html")
    assert body == (demo.out / "lake" / key).read_text(encoding="utf-8")
    path, query = urlsplit(link["url"]).path, urlsplit(link["url"]).query
    # the same signature on another run's report, a longer expiry or another user opens nothing
    assert _fetch(server.base + path.replace("demo-vwap", "demo-other") + "?" + query)[0] == 401
    fields = {k: v[-1] for k, v in parse_qs(query).items()}
    for name, value in (("expires", str(int(fields["expires"]) + 3600)), ("user", "ada")):
        tampered = "&".join(f"{k}={value if k == name else v}" for k, v in fields.items())
        assert _fetch(f"{server.base}{path}?{tampered}")[0] == 401
    # a link past its expiry is refused (signed with the server's own secret, two minutes ago)
    secret = (Path(server.state_dir) / "token.secret").read_text(encoding="utf-8").strip().encode()
    stale, _ = sign_link(secret, path, "vera", now=time.time() - 121)
    assert _fetch(f"{server.base}{path}?{stale}")[0] == 401
    fresh, _ = sign_link(secret, path, "vera")
    assert _fetch(f"{server.base}{path}?{fresh}")[0] == 200  # the same, fresh, is served
    assert server.call("GET", "/strategy-runs/demo-vwap/report-link")[0] == 401  # the link needs the header
    assert server.call("GET", "/strategy-runs/nope/report-link", token=viewer)[0] == 404


def test_a_viewer_is_offered_no_change_and_the_api_refuses_one(server: Server, browser) -> None:
    with signed_in(browser, server, "vera") as tab:
        tab.goto(server.base, "live", PAGES["live"])
        assert tab.page.locator("[data-testid=kill-state]").count() == 1
        assert tab.page.locator("[data-testid=kill-engage], [data-testid=kill-release]").count() == 0
        assert tab.page.locator("[data-testid=order-form]").count() == 0
        tab.goto(server.base, "launch", PAGES["launch"])
        assert tab.page.locator("[data-testid=launch-form], [data-testid=definition-form]").count() == 0
        assert tab.errors == []
    viewer = server.login("vera")
    engage = {"engaged": True, "reason": "x"}
    status, answer = server.call("POST", "/live/kill-switch", body=engage, token=viewer)
    assert (status, answer["error"]) == (403, "forbidden")
    status, _ = server.call("POST", "/orders", token=viewer, body={
        "client_order_id": "viewer-0001", "mode": "paper", "instrument_id": "NSE:RELIANCE", "side": "BUY",
        "quantity": 1, "order_type": "MARKET", "product": "MIS"})
    assert status == 403
    assert server.call("GET", "/live/kill-switch", token=viewer)[1]["engaged"] is False


def test_a_trader_engages_the_kill_switch_and_only_an_admin_releases_it(server: Server, browser) -> None:
    trader = server.login("tara")
    with signed_in(browser, server, "tara") as tab:
        page = tab.page
        tab.goto(server.base, "live", "[data-testid=kill-engage]")
        page.click("[data-testid=kill-engage]")
        page.click("[data-testid=dialog-confirm]")  # the reason is required: nothing is sent without it
        assert page.locator("[data-testid=dialog]").is_visible()
        assert server.call("GET", "/live/kill-switch", token=trader)[1]["engaged"] is False
        page.fill("[data-testid=dialog] input[name=reason]", "runaway strategy drill")
        page.click("[data-testid=dialog-confirm]")
        page.wait_for_selector("[data-testid=kill-state].engaged")
        assert "runaway strategy drill" in page.inner_text("[data-testid=kill-state]")
        state = server.call("GET", "/live/kill-switch", token=trader)[1]
        assert state["engaged"] is True and state["reason"].startswith("runaway strategy drill (by tara")
        assert page.is_disabled("[data-testid=kill-engage]")
        assert page.locator("[data-testid=kill-release]").count() == 0  # releasing is the admin's
        assert tab.errors == []
    status, answer = server.call("POST", "/live/kill-switch", token=trader,
                                 body={"engaged": False, "reason": "trader tries"})
    assert (status, answer["error"]) == (403, "forbidden") and "admin" in answer["message"]
    assert server.call("GET", "/live/kill-switch", token=trader)[1]["engaged"] is True

    with signed_in(browser, server, "ada") as tab:
        page = tab.page
        tab.goto(server.base, "live", "[data-testid=kill-release]")
        assert page.is_disabled("[data-testid=kill-engage]")
        page.click("[data-testid=kill-release]")
        page.fill("[data-testid=dialog] input[name=reason]", "drill over")
        page.click("[data-testid=dialog-confirm]")
        page.wait_for_selector("[data-testid=kill-state].released")
        assert server.call("GET", "/live/kill-switch", token=trader)[1]["engaged"] is False
        assert tab.errors == []


@pytest.mark.parametrize(("width", "viewport"), [("laptop", LAPTOP), ("phone", PHONE)])
def test_every_page_renders_without_console_errors(server: Server, browser, width: str, viewport) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with signed_in(browser, server, "ada", viewport) as tab:
        for route, ready in PAGES.items():
            tab.goto(server.base, route, ready)
            name = route.split("/")[0]
            tab.page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
            overflow = tab.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{route} is {overflow} px wider than a {width} screen"
            assert tab.errors == [], f"{route}: {tab.errors}"


def test_a_manual_order_without_a_running_session_is_refused_with_its_reason(server: Server, browser) -> None:
    """No `vyapari live` runs on the server's live state folder, so nothing would take the order: the page
    shows the API's reason and lists nothing as sent (a running session fills it:
    tests/integration/api/test_local_live_dashboard.py)."""
    with signed_in(browser, server, "tara") as tab:
        page = tab.page
        tab.goto(server.base, "live/paper", "[data-testid=order-form]")
        form = "[data-testid=order-form]"
        page.fill(f"{form} input[name=instrument_id]", "NSE:INFY")
        page.select_option(f"{form} select[name=side]", "SELL")
        page.fill(f"{form} input[name=quantity]", "7")
        page.click(f"{form} button[type=submit]")
        page.click("[data-testid=dialog-confirm]")
        page.wait_for_selector("[data-testid=order-status]:has-text('no paper session is running')")
        assert "no manual order sent" in page.inner_text("[data-testid=sent-orders]")
        intent = {"client_order_id": "ui-test-1", "mode": "paper", "instrument_id": "NSE:INFY",
                  "side": "SELL", "quantity": 7, "order_type": "MARKET", "product": "MIS"}
        status, answer = server.call("POST", "/orders", token=server.login("tara"), body=intent)
        assert status == 409 and "no paper session is running" in answer["message"]
        assert [e for e in tab.errors if "409" not in e] == []  # the refused request is the only error


def test_an_admin_registers_a_definition_that_launch_then_offers(server: Server, browser) -> None:
    with signed_in(browser, server, "ada") as tab:
        page = tab.page
        tab.goto(server.base, "launch", "[data-testid=definition-form]")
        form = "[data-testid=definition-form]"
        page.fill(f"{form} input[name=name]", "vwap-k15")
        page.fill(f"{form} input[name=strategy]", "vwap_reversion")
        page.fill(f"{form} textarea[name=params]", '{"k": 1.5}')
        page.click(f"{form} button[type=submit]")
        page.wait_for_selector("[data-testid=launch-form] option[value=vwap-k15]", state="attached")
        status, listing = server.call("GET", "/strategies", token=server.login("ada"))
        assert status == 200
        assert {"name": "vwap-k15", "params": {"k": 1.5}}.items() <= {
            k: v for s in listing["items"] if s["name"] == "vwap-k15" for k, v in s.items()}.items()
        page.fill(f"{form} input[name=name]", "bad-params")
        page.fill(f"{form} textarea[name=params]", '{"no_such_parameter": 1}')
        page.click(f"{form} button[type=submit]")
        page.wait_for_selector(f"{form} [role=status]:has-text('params')")
        # the refused request is the one error Chromium logs (every 4xx fetch is logged)
        assert tab.errors == ["console: Failed to load resource: the server responded with a status of 422 "
                              "(Unprocessable Entity)"]
