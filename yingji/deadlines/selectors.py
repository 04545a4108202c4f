"""Reads of the deadline engine used by the duty board, the incident page and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .choices import DeadlineStatus, Requirement
from .models import Deadline, Finding

# The columns a countdown needs; nothing else is read for the board.
BOARD_FIELDS = ("id", "incident_id", "kind", "sequence", "due_at", "status")
# "Open": pending, or late and still unreported. Written exactly as the condition of the
# partial index ``deadline_open_incident`` so that the database uses it.
OPEN = Q(status=DeadlineStatus.PENDING) | Q(status=DeadlineStatus.LATE, met_at__isnull=True)


class OpenDeadline(NamedTuple):
    """A deadline as the board needs it (no model instance: 10,000 of them must be cheap)."""

    id: int
    incident_id: int
    kind: str
    sequence: int
    due_at: dt.datetime
    status: str

    @property
    def pk(self) -> int:
        return self.id

    @property
    def label(self) -> str:
        from yingji.incidents.models import chinese_number

        if self.kind == Requirement.FOLLOWUP and self.sequence:
            return f"续报{chinese_number(self.sequence)}"
        if self.kind == Requirement.DAILY and self.sequence:
            return f"日报{self.sequence}"
        return str(Requirement(self.kind).label)


def _incident_filter(incidents: Any) -> Q:
    if isinstance(incidents, QuerySet):
        return Q(incident_id__in=incidents.values("pk"))
    ids = [getattr(i, "pk", i) for i in incidents]
    return Q(incident_id__in=ids)


def open_deadlines_for(incidents: QuerySet[Any] | Iterable[Any]) -> dict[int, list[OpenDeadline]]:
    """Incident id → its open deadlines (pending, or late and still unreported), due first.

    One query for any number of incidents (a queryset becomes a subquery, a list an IN
    list), served by the partial index ``deadline_open_incident`` in index order; rows are
    plain tuples, not model instances (several times cheaper for 10,000 incidents).
    """
    rows = (
        Deadline.objects.filter(_incident_filter(incidents))
        .filter(OPEN)
        .order_by("incident_id", "due_at")
        .values_list(*BOARD_FIELDS)
    )
    result: dict[int, list[OpenDeadline]] = {}
    for row in rows:
        deadline = OpenDeadline(*row)
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


def countdowns(
    deadlines: Iterable[OpenDeadline | Deadline], now: dt.datetime | None = None
) -> list[Countdown]:
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
        .filter(OPEN)
        .filter(Q(status=DeadlineStatus.LATE) | Q(due_at__lt=now))
        .select_related("incident", "responsible_unit")
        .order_by("due_at", "id")
    )
    return queryset


def access_finding(*, user: Any, pk: Any, action: str = "view") -> Finding:
    """Fetch a finding the user may ``action`` (404 otherwise)."""
    return get_object_or_404(Finding.objects.restrict(user, action), pk=pk)  # type: ignore[no-any-return]
