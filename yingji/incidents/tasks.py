"""Background tasks of the incidents domain (Django Tasks API, DESIGN D4)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django_tasks import TaskContext, task


@task(takes_context=True)
def intake_followups(
    context: TaskContext, incident_id: int, report_id: int, received_at: str
) -> str:
    """An intake's deadlines and scores, after the answer (``followups``, decision 0013);
    with the database queue, also those of intakes waiting behind it, in one commit (on
    SQLite one per chunk, each chunk planned before its transaction: ``run_planned``)."""
    from . import followups

    own = followups.Intake(incident_id, report_id, dt.datetime.fromisoformat(received_at))
    followups.yield_to_burst(own.received_at)  # outside the transaction: no lock held
    if followups.queue_in_database() and followups.plans_outside_the_lock():
        result = context.task_result
        return followups.run_planned(
            own=own, worker_id=(result.worker_ids or ["intake"])[-1], exclude=result.id
        )
    with transaction.atomic(), followups.rules_cached():
        if not followups.queue_in_database():
            return followups.run_by_id(
                incident_id=own.incident_id, report_id=own.report_id, now=own.received_at
            )
        result = context.task_result
        return followups.run_queued(  # PostgreSQL: planned in the transaction
            own=own, worker_id=(result.worker_ids or ["intake"])[-1], exclude=result.id
        )
