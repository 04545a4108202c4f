"""The intake's follow-ups: an incident's deadlines and its 首报's score (decision 0013).

``incident_report`` answers as soon as the incident, its 首报, history and timeline are
committed. The deadline engine and the scoring engine — three quarters of a report's
server time — then run in the background task ``tasks.intake_followups``, whose queue row
is written in the *same* transaction as the incident (the database task backend): the
report and the promise to process it commit together, so a crash after the answer loses
nothing; the worker computes the deadlines (with their check tasks) and the scores.

``YINGJI_INTAKE_FOLLOWUPS = "inline"`` runs them inside the intake's transaction instead
(decision 0012's contract): the test settings do, so that a test sees the deadlines of an
incident it has just reported; so does the demo loader (its clock is in the past).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import router, transaction

from .models import Incident, Report

logger = logging.getLogger(__name__)

INLINE = "inline"
WORKER = "worker"


def deferred() -> bool:
    """Whether the intake's follow-ups run in the worker (the default) or inline."""
    return getattr(settings, "YINGJI_INTAKE_FOLLOWUPS", WORKER) != INLINE


# How many waiting intakes one follow-up task also takes on, and for how long at most
# (see ``run_waiting``): on SQLite its transaction holds the one write lock, and every
# intake waits for it — keep that short.
BATCH = 50
BATCH_SECONDS = 0.1


def queue_in_database() -> bool:
    """Whether the follow-up task's queue is a table of the default database: then its row
    commits with the incident (both or neither)."""
    from django_tasks import task_backends

    from .tasks import intake_followups

    backend = task_backends[intake_followups.backend]
    if type(backend).__module__.split(".")[0] != "django_tasks_db":
        return False
    from django_tasks_db.models import DBTaskResult

    return router.db_for_write(DBTaskResult) == "default"


def _in_savepoint(label: str, func: Callable[[], Any]) -> None:
    """Run ``func`` in a savepoint of its own: a failure is logged and rolled back alone,
    the intake (or the other follow-up) is kept."""
    try:
        with transaction.atomic():
            func()
    except Exception:
        logger.exception("%s failed; the intake is kept without it", label)


@contextlib.contextmanager
def rules_cached() -> Iterator[None]:
    """The deadline and scoring rules read once for a batch of follow-ups (one transaction:
    no rule changes under it) instead of once per incident and per entry."""
    from yingji.deadlines.services import rules_cached as deadline_rules
    from yingji.scoring.services import rules_cached as scoring_rules

    with deadline_rules(), scoring_rules():
        yield


def run(*, incident: Incident, report: Report, now: dt.datetime, locked: bool = False) -> None:
    """Compute the incident's deadlines (with their check tasks) and score its 首报, in the
    current transaction, each in a savepoint. Idempotent: running it twice, or after a
    later report already brought the deadlines in line, changes nothing. ``locked``: the
    caller read ``incident`` FOR UPDATE with its regions (``run_by_id``)."""
    from yingji.deadlines import services as deadline_services
    from yingji.scoring.services import score_on_report

    # No savepoint of its own: each follow-up has one, and neither lets an error out.
    with (
        transaction.atomic(savepoint=False),
        deadline_services.in_caller_transaction(),
        rules_cached(),
    ):
        # deadlines_on_incident also matches the 首报 against its deadline.
        hook = deadline_services.deadlines_on_incident
        _in_savepoint(
            "deadlines_on_incident",
            # ``locked`` only when set: the inline call stays (incident=…, now=…).
            (lambda: hook(incident=incident, now=now, locked=True))
            if locked
            else (lambda: hook(incident=incident, now=now)),
        )
        _in_savepoint("score_on_report", lambda: score_on_report(report=report))


def run_by_id(*, incident_id: int, report_id: int, now: dt.datetime) -> str:
    """The task's body: the follow-ups of a committed intake (``gone`` if it is not there)."""
    incidents = (
        # Locked here, once: the deadline engine works on this read (``locked``).
        Incident.objects.select_for_update(of=("self",))
        .filter(pk=incident_id)
        .select_related("region", "owner_unit__region", "reporting_unit__region")
        # Region outlines are GeoJSON of up to 70 kB: the engines read names and paths.
        .defer(
            "region__boundary",
            "owner_unit__region__boundary",
            "reporting_unit__region__boundary",
        )
        # By key, unordered: ``first()`` would sort by the model's ordering, and compiling
        # an ORDER BY over ninety joined columns costs more than the read itself.
        .order_by()
    )
    incident = next(iter(incidents), None)
    reports = Report.objects.filter(pk=report_id, incident_id=incident_id).order_by()
    report = next(iter(reports), None)
    if incident is None or report is None:
        return "gone"
    report.incident = incident
    run(incident=incident, report=report, now=now, locked=True)
    return "done"


def schedule(*, incident: Incident, report: Report, now: dt.datetime, defer: bool | None) -> None:
    """Called inside the intake's transaction, after the incident and its 首报 are written.

    Deferred: the task is enqueued now (its row commits with the incident) when the queue
    is in the default database; with another backend (Redis) after commit, so that no
    worker sees an incident that is not committed yet. Inline: run now.
    """
    if not (deferred() if defer is None else defer):
        run(incident=incident, report=report, now=now)
        return
    incident_id, report_id, at = incident.pk, report.pk, now.isoformat()

    def enqueue() -> None:
        from .tasks import intake_followups

        intake_followups.enqueue(incident_id, report_id, at)

    if queue_in_database():
        enqueue()
    else:
        transaction.on_commit(enqueue, robust=True)


def run_waiting(
    *, worker_id: str, exclude: Any, limit: int = BATCH, seconds: float | None = None
) -> int:
    """Run the follow-ups of other intakes whose tasks wait in the queue, in the caller's
    transaction, and mark their tasks done in it too; how many ran.

    Under a burst the queue holds many; one task that takes on up to ``limit`` of them
    (and stops taking more after ``seconds``) saves the worker's per-task claim and
    bookkeeping (three commits each on SQLite): the work and the marks commit together,
    or — if the transaction fails — the tasks are still waiting for the next worker. Rows
    another worker holds are skipped.
    """
    budget = BATCH_SECONDS if seconds is None else seconds
    started = time.monotonic()
    from django_tasks_db.models import DBTaskResult

    from .tasks import intake_followups

    waiting = (
        DBTaskResult.objects.ready()
        .filter(
            task_path=intake_followups.module_path,
            backend_name=intake_followups.backend,
            queue_name=intake_followups.queue_name,
        )
        .exclude(pk=exclude)
    )
    done = 0
    while done < limit and time.monotonic() - started < budget:
        row = waiting.get_locked()
        if row is None:
            break
        row.claim(worker_id)
        incident_id, report_id, received_at = row.args_kwargs["args"]
        try:
            with transaction.atomic():
                outcome = run_by_id(
                    incident_id=incident_id,
                    report_id=report_id,
                    now=dt.datetime.fromisoformat(received_at),
                )
        except Exception as exc:
            logger.exception("intake follow-ups of incident %s failed", incident_id)
            row.set_failed(exc)
        else:
            row.set_successful(outcome)
        done += 1
    return done
