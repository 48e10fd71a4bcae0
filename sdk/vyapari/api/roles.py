"""Roles of API callers, derived from their Cognito groups.

``viewer`` reads (the kill switch's state too); ``trader`` also creates and starts strategy runs, places
order intents (paper or live) and engages the live kill switch (whoever may trade may stop trading);
``admin`` may do everything, including releasing the kill switch (resuming trading is a second pair of
eyes' decision: :func:`kill_switch_role`) and editing the strategy registry. A caller in several
groups has the highest of their roles; a caller in none has no role and is refused everything but
public routes.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from vyapari.api.errors import Forbidden


class Role(IntEnum):
    """A caller's role; a higher value includes every permission of the lower ones."""

    VIEWER = 1
    TRADER = 2
    ADMIN = 3


def parse_groups(claim: object) -> list[str]:
    """The group names of a ``cognito:groups`` claim.

    API Gateway's Cognito authorizer passes the claim as a string (``"admin,trader"`` or
    ``"[admin trader]"``); a JWT carries it as a list. Both forms are accepted; anything else is empty.
    """
    if isinstance(claim, str):
        text = claim.strip().strip("[]")
        return [g for g in text.replace(",", " ").split() if g]
    if isinstance(claim, Iterable):
        return [str(g) for g in claim]
    return []


def role_of(groups: Iterable[str]) -> Role | None:
    """The highest role among ``groups`` (case-insensitive), or ``None``."""
    roles = [Role[g.upper()] for g in groups if g.upper() in Role.__members__]
    return max(roles) if roles else None


def require(groups: Iterable[str], needed: Role) -> Role:
    """The caller's role if it is at least ``needed``; :class:`Forbidden` otherwise."""
    role = role_of(groups)
    if role is None or role < needed:
        raise Forbidden(f"this operation needs the {needed.name.lower()} role")
    return role


def kill_switch_role(engaged: bool) -> Role:
    """The role needed to engage (``engaged`` True: trader) or release (admin) the live kill switch.

    The REST handler checks it in AWS and behind ``vyapari api serve`` alike; the dashboard offers the
    buttons by the same rule."""
    return Role.TRADER if engaged else Role.ADMIN
