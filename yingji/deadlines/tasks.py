"""Background tasks of the deadline engine (Django Tasks API, DESIGN D4).

One ``deadline_check`` task is queued per pending deadline, with ``run_after`` set to the
next reminder time or just after due time (``services.schedule_check``). It reminds the
responsible unit and the duty room, and marks the deadline late (迟报) if it passed
unmet. Running it twice, or after the report arrived, changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from . import services


@task()
def deadline_check(deadline_id: int, scheduled_for: str | None = None) -> str:
    """Remind before due time; mark late after it (idempotent)."""
    when = dt.datetime.fromisoformat(scheduled_for) if scheduled_for else None
    return services.deadline_check(deadline_id=deadline_id, scheduled_for=when)


@task()
def check_overdue_deadlines() -> int:
    """Mark every overdue pending deadline late (what ``yingji check_deadlines`` runs)."""
    return services.check_overdue()
