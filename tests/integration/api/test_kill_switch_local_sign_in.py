"""The kill switch of ``vyapari live`` (its ``orders.sqlite``) through ``vyapari api serve``: only a
signed-in trader or admin may engage it and only an admin may release it; an anonymous caller, a viewer,
a trader releasing, or any header claiming a role changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.api.api_server import add_user, serve, vyapari

from vyapari.live.risk import kill_switch_state
from vyapari.live.store import SqliteOrderStateStore


def _stored(live: Path) -> dict[str, str] | None:
    store = SqliteOrderStateStore(live / "orders.sqlite")
    try:
        return kill_switch_state(store)
    finally:
        store.close()


def test_a_trader_engages_and_only_an_admin_releases_the_live_kill_switch(tmp_path: Path) -> None:
    add_user(tmp_path / "api-state", "vera", "viewer")
    add_user(tmp_path / "api-state", "tara", "trader")
    add_user(tmp_path / "api-state", "ada", "admin")
    live = tmp_path / "live-state"
    engaged = vyapari("live", "kill", "--state-dir", str(live), "--reason", "runaway strategy")
    assert engaged.returncode == 0, engaged.stderr
    assert json.loads(engaged.stdout)["kill_switch"]["reason"] == "runaway strategy"

    with serve(tmp_path) as server:
        viewer = server.login("vera")
        release = {"engaged": False}
        claims = [{}, {"X-Vyapari-Groups": "admin"}, {"Authorization": "Bearer forged.token"}]
        for headers in claims:
            assert server.call("POST", "/live/kill-switch", body=release, headers=headers)[0] == 401
        for headers in claims[:2]:
            status, answer = server.call("POST", "/live/kill-switch", body=release, token=viewer,
                                         headers=headers)
            assert (status, answer["error"]) == (403, "forbidden")
        engage = {"engaged": True, "reason": "x"}
        assert server.call("POST", "/live/kill-switch", body=engage, token=viewer)[0] == 403
        assert _stored(live) is not None and _stored(live)["reason"] == "runaway strategy"  # type: ignore[index]
        status, state = server.call("GET", "/live/kill-switch", token=viewer)
        assert status == 200 and state["engaged"] is True

        trader = server.login("tara")
        for headers in claims[:2]:  # a trader may stop trading, not resume it
            status, answer = server.call("POST", "/live/kill-switch", token=trader, headers=headers,
                                         body={"engaged": False, "reason": "looks fine now"})
            assert (status, answer["error"]) == (403, "forbidden") and "admin" in answer["message"]
        assert _stored(live) is not None

        admin = server.login("ada")
        status, state = server.call("POST", "/live/kill-switch", token=admin,
                                    body={"engaged": False, "reason": "strategy fixed"})
        assert status == 200 and state == {**state, "engaged": False, "changed": True}
        assert _stored(live) is None
        assert json.loads(vyapari("live", "status", "--state-dir", str(live)).stdout)["kill_switch"] is None

        status, state = server.call("POST", "/live/kill-switch", body={"engaged": True, "reason": "drill"},
                                    token=trader)
        assert status == 200 and state["engaged"]
        assert _stored(live)["reason"] == "drill (by tara via API)"  # type: ignore[index]
