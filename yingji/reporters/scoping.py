"""Narrowing for reporting-only roles: a direct-report point sees what it reported.

A direct-report point's unit sits in the city region (370100), so ``restrict()`` alone
would show its users every incident in the city — a water company reading the police's
incidents. This function narrows a queryset that ``restrict()`` has already scoped by
region to the records the user's own unit reported (or the user created).

It is meant to be called from ONE place, ``RestrictedQuerySet.restrict()``, through a
per-model hook (proposed to the lead; see docs/models/direct-report-point.md)::

    # yingji/core/models.py, at the end of restrict():
    narrow = getattr(self.model, "restrict_by_role", None)
    return narrow(qs, user, action) if narrow is not None else qs

    # yingji/incidents/models.py
    class Incident(...):
        @classmethod
        def restrict_by_role(cls, qs, user, action):
            return own_reports_only(qs, user, unit_field="reporting_unit", user_field="created_by")
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from yingji.accounts.choices import Role

#: Roles that see only what their unit reported, whatever their region.
OWN_REPORTS_ONLY_ROLES: frozenset[str] = frozenset({Role.DIRECT_REPORT})


def own_reports_only(
    queryset: Any, user: Any, *, unit_field: str, user_field: str | None = None
) -> Any:
    """``queryset`` narrowed, for direct-report users, to rows whose ``unit_field`` is the
    user's unit (or whose ``user_field`` is the user). Other roles pass unchanged."""
    if getattr(user, "is_superuser", False) or getattr(user, "role", None) not in (
        OWN_REPORTS_ONLY_ROLES
    ):
        return queryset
    if not getattr(user, "unit_id", None):
        return queryset.none()
    condition = Q(**{unit_field: user.unit_id})
    if user_field:
        condition |= Q(**{user_field: user.pk})
    return queryset.filter(condition)
