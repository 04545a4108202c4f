"""Background tasks of the census (Django Tasks API, DESIGN D4)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def census_import(job_id: int) -> str:
    """Import a queued census file; progress is visible on its page while it runs."""
    job = services.import_job_run(job_id=job_id)
    return job.status if job is not None else "missing"
