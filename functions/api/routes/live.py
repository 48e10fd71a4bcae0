"""Live-service routes: ``GET /live/kill-switch`` (viewer) and ``POST /live/kill-switch`` (engage: trader;
release: admin, see :func:`vyapari.api.roles.kill_switch_role`).

The switch lives in the live service's order-state store (see :mod:`vyapari.api.kill_switch`); the
running service cancels its open orders and squares off within one minute slice of its engagement.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from functions.api.routes import caller_of, services_of
from functions.shared.api_auth import claims_of, needs
from functions.shared.api_models import KillSwitchIn, KillSwitchOut
from vyapari.api.errors import Unavailable
from vyapari.api.kill_switch import KillSwitch, KillSwitchState
from vyapari.api.roles import Role, kill_switch_role, parse_groups, require

router = Router()


def _switch() -> KillSwitch:
    switch = services_of(router.context).kill_switch
    if switch is None:
        raise Unavailable("the kill switch is not configured here (ORDER_STATE_TABLE is not set)")
    return switch


def _out(state: KillSwitchState, changed: bool = False) -> KillSwitchOut:
    return KillSwitchOut(engaged=state.engaged, reason=state.reason, engaged_at=state.engaged_at,
                         changed=changed)


@router.get("/live/kill-switch", tags=["live"], middlewares=[needs(Role.VIEWER)])
def get_kill_switch() -> KillSwitchOut:
    """The live kill switch: engaged or not, with its reason and time (IST)."""
    return _out(_switch().state())


@router.post("/live/kill-switch", tags=["live"], middlewares=[needs(Role.TRADER)])
def set_kill_switch(change: KillSwitchIn) -> KillSwitchOut:
    """Engage (trader: cancel open orders, square off, refuse new orders) or release (admin) the live kill
    switch, with a reason kept with the caller's name."""
    claims = claims_of(router.current_event.raw_event)
    require(parse_groups(claims.get("cognito:groups")), kill_switch_role(change.engaged))
    result = _switch().set(change.engaged, change.reason, caller_of(router.context))
    return _out(result.state, result.changed)
