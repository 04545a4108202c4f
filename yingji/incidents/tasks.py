"""Background tasks of the incidents domain (Django Tasks API, DESIGN D4)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def intake_followups(incident_id: int, report_id: int, received_at: str) -> str:
    """An intake's deadlines and scores, after the answer (``followups``, decision 0013)."""
    from . import followups

    return followups.run_by_id(
        incident_id=incident_id,
        report_id=report_id,
        now=dt.datetime.fromisoformat(received_at),
    )
