"""Reads of the deadline engine used by the duty board, the incident page and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .choices import DeadlineStatus
from .models import Deadline, Finding

# The columns a countdown needs; nothing else is read for the board.
BOARD_FIELDS = ("id", "incident_id", "kind", "sequence", "due_at", "status", "met_at")


def _incident_filter(incidents: Any) -> Q:
    if isinstance(incidents, QuerySet):
        return Q(incident_id__in=incidents.values("pk"))
    ids = [getattr(i, "pk", i) for i in incidents]
    return Q(incident_id__in=ids)


def open_deadlines_for(incidents: QuerySet[Any] | Iterable[Any]) -> dict[int, list[Deadline]]:
    """Incident id → its open deadlines (pending, or late and still unreported), due first.

    One query for any number of incidents (a queryset becomes a subquery, a list an IN
    list); pending rows come from the partial index ``deadline_pending_incident``.
    """
    rows = (
        Deadline.objects.filter(_incident_filter(incidents))
        .filter(
            Q(status=DeadlineStatus.PENDING) | Q(status=DeadlineStatus.LATE, met_at__isnull=True)
        )
        .only(*BOARD_FIELDS)
        .order_by("incident_id", "due_at", "id")
    )
    result: dict[int, list[Deadline]] = {}
    for deadline in rows:
        result.setdefault(deadline.incident_id, []).append(deadline)
    return result


@dataclass(frozen=True)
class Countdown:
    """One open deadline as the board shows it."""

    deadline_id: int
    kind: str
    label: str
    due_at: dt.datetime
    seconds_left: int  # negative when overdue
    status: str

    @property
    def overdue(self) -> bool:
        return self.seconds_left < 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "deadline": self.deadline_id,
            "kind": self.kind,
            "label": self.label,
            "due_at": self.due_at.isoformat(),
            "seconds_left": self.seconds_left,
            "overdue": self.overdue,
            "status": self.status,
        }


def countdowns(deadlines: Iterable[Deadline], now: dt.datetime | None = None) -> list[Countdown]:
    now = now or timezone.now()
    return [
        Countdown(
            deadline_id=d.pk,
            kind=d.kind,
            label=d.label,
            due_at=d.due_at,
            seconds_left=int((d.due_at - now).total_seconds() // 1)
            if d.due_at >= now
            else -int((now - d.due_at).total_seconds()),
            status=d.status,
        )
        for d in deadlines
    ]


def incident_countdowns(incident: Any, now: dt.datetime | None = None) -> list[Countdown]:
    """The incident's open deadlines as countdowns, the most urgent first."""
    return countdowns(open_deadlines_for([incident]).get(incident.pk, []), now)


def overdue_deadlines(user: Any, now: dt.datetime | None = None) -> QuerySet[Deadline]:
    """Deadlines the user may see that are past due and unreported (late, or pending past due
    if no check has run yet), oldest first."""
    now = now or timezone.now()
    queryset: QuerySet[Deadline] = (
        Deadline.objects.restrict(user, "view")
        .filter(
            Q(status=DeadlineStatus.PENDING, due_at__lt=now)
            | Q(status=DeadlineStatus.LATE, met_at__isnull=True)
        )
        .select_related("incident", "responsible_unit")
        .order_by("due_at", "id")
    )
    return queryset


def access_finding(*, user: Any, pk: Any, action: str = "view") -> Finding:
    """Fetch a finding the user may ``action`` (404 otherwise)."""
    return get_object_or_404(Finding.objects.restrict(user, action), pk=pk)  # type: ignore[no-any-return]
