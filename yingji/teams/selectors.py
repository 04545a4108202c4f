"""Reads of rescue teams: by incident type, by readiness."""

from __future__ import annotations

from typing import Any

from yingji.core.registry import filter_incident_type

from .choices import Readiness
from .models import Team


def teams_for_incident_type(*, user: Any, code: str, ready_only: bool = False) -> Any:
    """Teams ``user`` may see that handle incident type ``code`` (e.g. ``11A02`` 内涝).

    A team registered for ``11A00`` 水旱灾害 or ``11000`` 自然灾害 also handles ``11A02``.
    """
    queryset = Team.objects.restrict(user, "view").select_related("region", "owner_unit")
    if ready_only:
        queryset = queryset.exclude(readiness=Readiness.NOT_READY)
    return filter_incident_type(queryset, "capabilities", code)


def access_team(*, user: Any, pk: int, action: str = "view") -> Team:
    team: Team = Team.objects.restrict(user, action).get(pk=pk)
    return team
