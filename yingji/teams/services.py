"""Writes for rescue teams and their members (scope checked, with history)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yingji.core.registry import registry_create, registry_mark_reviewed, registry_update

from .models import Team, TeamMember


def team_create(*, actor: Any, **fields: Any) -> Team:
    """Register a team; its region is derived from the base's point when not given."""
    team: Team = registry_create(actor=actor, model=Team, reason=_("登记队伍"), **fields)
    return team


def team_update(*, actor: Any, obj: Team, **fields: Any) -> Team:
    team: Team = registry_update(actor=actor, obj=obj, reason=_("修改队伍"), **fields)
    return team


def team_mark_reviewed(*, actor: Any, obj: Team, note: str = "") -> Team:
    team: Team = registry_mark_reviewed(actor=actor, obj=obj, note=note)
    return team


def team_member_add(*, actor: Any, **fields: Any) -> TeamMember:
    """Add a member to a team the actor may change."""
    member: TeamMember = registry_create(
        actor=actor, model=TeamMember, reason=_("添加队员"), **fields
    )
    return member


def team_member_update(*, actor: Any, obj: TeamMember, **fields: Any) -> TeamMember:
    member: TeamMember = registry_update(actor=actor, obj=obj, reason=_("修改队员"), **fields)
    return member
