"""The intake's follow-ups: an incident's deadlines and its 首报's score (decision 0013).

``incident_report`` answers as soon as the incident, its 首报, history and timeline are
committed. The deadline engine and the scoring engine — three quarters of a report's
server time — then run in the background task ``tasks.intake_followups``, whose queue row
is written in the *same* transaction as the incident (the database task backend): the
report and the promise to process it commit together, so a crash after the answer loses
nothing; the worker computes the deadlines (with their check tasks) and the scores —
under a burst many intakes at once (``run_queued``, ``run_many``; on SQLite
``run_planned``, which plans them before taking the write lock).

``YINGJI_INTAKE_FOLLOWUPS = "inline"`` runs them inside the intake's transaction instead
(decision 0012's contract): the test settings do, so that a test sees the deadlines of an
incident it has just reported; so does the demo loader (its clock is in the past).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yingji.core.inserts import Prepared
from yingji.core.task_backend import in_default_database, prepare_enqueue

from .choices import IncidentStatus, ReportKind
from .models import Incident, Report

logger = logging.getLogger(__name__)

INLINE = "inline"
WORKER = "worker"
PLANNED = "planned"


def _mode(defer: bool | None = None) -> str:
    """``YINGJI_INTAKE_FOLLOWUPS`` (``planned`` by default), or what the caller asks:
    ``defer=True`` the worker, ``defer=False`` inline."""
    if defer is not None:
        return WORKER if defer else INLINE
    return str(getattr(settings, "YINGJI_INTAKE_FOLLOWUPS", PLANNED))


# How many waiting intakes one follow-up task also takes on, and for how long at most
# (see ``run_waiting``): on SQLite its transaction holds the one write lock, and every
# intake waits for it — keep that short (0.1 s and chunks of 25: intake p99 ~0.75 s under
# bench.intake's load; 30 ms and 10: ~0.72 s, and 5-10 % more reports a second).
BATCH = 50
BATCH_SECONDS = 0.03
# Intakes computed together (``run_many``): reads, inserts and check tasks once per chunk.
CHUNK = 10
# How often a yielding worker looks whether the burst goes on (``yield_to_burst``).
YIELD_STEP = 0.5


def _intake_tasks() -> Any:
    """The queue's rows of intake follow-up tasks (every status)."""
    from django_tasks_db.models import DBTaskResult

    from .tasks import intake_followups

    return DBTaskResult.objects.filter(
        task_path=intake_followups.module_path,
        backend_name=intake_followups.backend,
        queue_name=intake_followups.queue_name,
    )


def _arrived_since(since: dt.datetime) -> int:
    """Intakes received since ``since`` (incidents still 接报: the status and receipt
    index), whatever became of their follow-up tasks. Counting only the tasks still
    waiting missed the burst whenever the worker kept the queue short: it took the few
    that had come since its last batch, never more than the threshold, and so ran beside
    the requests for the whole burst (seen on PostgreSQL)."""
    return int(
        Incident.objects.filter(status=IncidentStatus.RECEIVED, received_at__gte=since).count()
    )


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def yield_to_burst(received_at: dt.datetime) -> float:
    """Wait while a burst of intakes goes on; the seconds waited (decision 0017).

    An intake's follow-ups cost the worker about half of what its request costs, and on
    SQLite the worker's transaction holds the one write lock every intake needs. During a
    burst (a rainstorm's first hour) acknowledging reports comes first; the deadlines can
    come seconds later (the shipped rules give half an hour at least, and they are
    computed from each intake's receipt time, so waiting changes no outcome). So, outside
    any transaction, the worker waits while more than ``YINGJI_FOLLOWUPS_YIELD_RATE``
    intakes a second joined the queue in the last ``YIELD_STEP`` — never beyond
    ``YINGJI_FOLLOWUPS_YIELD_SECONDS`` after ``received_at`` (its own intake's, the oldest
    waiting) — and then computes the lot in batches.
    """
    limit = float(getattr(settings, "YINGJI_FOLLOWUPS_YIELD_SECONDS", 0))
    rate = float(getattr(settings, "YINGJI_FOLLOWUPS_YIELD_RATE", 0))
    if limit <= 0 or not queue_in_database():
        return 0.0
    until = received_at + dt.timedelta(seconds=limit)
    step = dt.timedelta(seconds=YIELD_STEP)
    started = time.monotonic()
    while timezone.now() + step <= until:
        if _arrived_since(timezone.now() - step) <= rate * YIELD_STEP:
            break  # no burst (any more)
        _sleep(YIELD_STEP)
    waited = time.monotonic() - started
    if waited >= YIELD_STEP:
        logger.info("intake follow-ups waited %.1f s for a burst of intakes", waited)
    return waited


@dataclass(frozen=True)
class Intake:
    """One queued follow-up: the task's arguments."""

    incident_id: int
    report_id: int
    received_at: dt.datetime


def queue_in_database() -> bool:
    """Whether the follow-up task's queue is a table of the default database: then its row
    commits with the incident (both or neither)."""
    from .tasks import intake_followups

    return in_default_database(intake_followups)


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


def _locked_incidents() -> Any:
    # Locked here, once: the deadline engine works on this read (``locked``).
    return (
        Incident.objects.select_for_update(of=("self",))
        .select_related("region", "owner_unit__region", "reporting_unit__region")
        # Region outlines are GeoJSON of up to 70 kB: the engines read names and paths.
        .defer(
            "region__boundary",
            "owner_unit__region__boundary",
            "reporting_unit__region__boundary",
        )
    )


def run_by_id(*, incident_id: int, report_id: int, now: dt.datetime) -> str:
    """The task's body: the follow-ups of a committed intake (``gone`` if it is not there)."""
    # By key, unordered: ``first()`` would sort by the model's ordering, and compiling an
    # ORDER BY over ninety joined columns costs more than the read itself.
    incident = next(iter(_locked_incidents().filter(pk=incident_id).order_by()), None)
    reports = Report.objects.filter(pk=report_id, incident_id=incident_id).order_by()
    report = next(iter(reports), None)
    if incident is None or report is None:
        return "gone"
    report.incident = incident
    run(incident=incident, report=report, now=now, locked=True)
    return "done"


class Rows(NamedTuple):
    """The follow-ups' rows for the intake's transaction (``prepared_rows``)."""

    rows: list[Prepared]
    planned: bool  # the deadlines, tasks and scores themselves; else the worker's task


def prepared_rows(
    *, incident: Incident, report: Report, now: dt.datetime, defer: bool | None
) -> Rows | None:
    """The follow-ups' rows, prepared before the intake's transaction and written in it
    after the incident and its 首报 (``inserts.write``), when the task queue is in the
    default database; else None (then ``schedule`` them in the transaction).

    ``planned`` (the default, decision 0020): the deadlines, their check tasks and the
    scores themselves, planned here from the objects in memory — the incident is new, so
    nothing changes it before it commits. What the planner does not plan (a late 首报, an
    outside channel's 漏报 check) and a planning failure (logged) go to the worker, as
    with ``worker``: the follow-up task's row."""
    mode = _mode(defer)
    if mode == INLINE or not queue_in_database():
        return None
    if mode == PLANNED:
        rows = _planned_rows(incident=incident, report=report, now=now)
        if rows is not None:
            return Rows(rows, planned=True)
    return Rows(task_rows(incident=incident, report=report, now=now), planned=False)


def task_rows(*, incident: Incident, report: Report, now: dt.datetime) -> list[Prepared]:
    """The worker's follow-up task for the intake, as a row for its transaction."""
    from .tasks import intake_followups

    at = now.isoformat()
    return [prepare_enqueue(intake_followups, lambda: (incident.pk, report.pk, at))]


def _planned_rows(*, incident: Incident, report: Report, now: dt.datetime) -> list[Prepared] | None:
    """The new intake's deadlines, check tasks and scores as prepared rows (what the worker
    would write for it: ``plan_intake``, then ``_write_batch``'s scoring), or None for the
    worker."""
    from yingji.deadlines import services as deadline_services
    from yingji.scoring import services as scoring_services

    try:
        with rules_cached():
            _load_units(incident, report)
            plan = deadline_services.plan_intake(incident=incident, reports=[report], now=now)
            rows = deadline_services.plan_prepared(plan)
            for source_kind, source, outcomes in _scored(incident, plan, now):
                rows += scoring_services.entries_prepared(
                    source_kind=source_kind, source=_key_of(source), outcomes=outcomes
                )
    except deadline_services.NotBatchable:
        return None
    except Exception:
        logger.exception("planning an intake's follow-ups failed; the worker computes them")
        return None
    return rows


def _key_of(obj: Any) -> Callable[[], int]:
    return lambda: int(obj.pk)


def _load_units(incident: Incident, report: Report) -> None:
    """The owner unit and the 首报's unit with their regions (without outlines): the
    engines compare their region paths (``from_responsible_side``), and a lazy read would
    decode the region's outline. The owner is the office validation read; the reporter's
    unit is most often that same office, else read by key; their regions are the rows the
    point index keeps (``located_region``: read once per index, as the incident's own)."""
    from yingji.accounts.models import Unit
    from yingji.core import rows
    from yingji.geo.lookup import get_index

    from . import selectors

    owner = incident.owner_unit if incident.owner_unit_id is not None else None
    if report.unit_id is not None and not Report.unit.is_cached(report):
        same = owner is not None and owner.pk == report.unit_id
        report.unit = owner if same else rows.first(Unit, {"pk": report.unit_id})
    index = get_index()
    for unit in (owner, report.unit if report.unit_id is not None else None):
        if unit is not None and not Unit.region.is_cached(unit):
            region = selectors.located_region(index, unit.region_id)
            if region is not None:
                unit.region = region


def schedule(*, incident: Incident, report: Report, now: dt.datetime, defer: bool | None) -> None:
    """Called inside the intake's transaction, after the incident and its 首报 are written,
    when ``prepared_rows`` gave no rows to write with them.

    Inline: run now. Deferred with another backend (Redis): enqueued after commit, so that
    no worker sees an incident that is not committed yet.
    """
    if _mode(defer) == INLINE:
        run(incident=incident, report=report, now=now)
        return
    incident_id, report_id, at = incident.pk, report.pk, now.isoformat()

    def enqueue() -> None:
        from .tasks import intake_followups

        intake_followups.enqueue(incident_id, report_id, at)

    transaction.on_commit(enqueue, robust=True)


def run_many(intakes: list[Intake], batch: Batch | None = None) -> list[str | Exception]:
    """The follow-ups of many intakes, in the caller's transaction; per intake its outcome
    (``done``, ``gone``) or the exception it raised.

    Together first (``plan_batch`` — a few reads — then ``_write_batch``: one INSERT of
    deadlines, of score entries and of check tasks for the lot), in one savepoint; if that
    raises, one by one (``run_by_id``, each in its own savepoint), so that one bad intake
    never costs the others theirs. The outcome is the same as one by one (tested).
    ``batch``: ``plan_batch(intakes)`` made before the caller's transaction; an intake
    whose data changed since (``_unchanged``) is computed alone."""
    outcomes: dict[int, str | Exception] = {}
    alone = list(range(len(intakes)))
    with rules_cached():
        try:
            with transaction.atomic():
                batch = plan_batch(intakes) if batch is None else _unchanged(batch)
                together, alone = _write_batch(batch)
            outcomes.update(together)
        except Exception:
            logger.exception("%d intake follow-ups failed together; one by one", len(intakes))
            outcomes, alone = {}, list(range(len(intakes)))
        for index in alone:
            intake = intakes[index]
            try:
                with transaction.atomic():
                    outcomes[index] = run_by_id(
                        incident_id=intake.incident_id,
                        report_id=intake.report_id,
                        now=intake.received_at,
                    )
            except Exception as exc:
                logger.exception("intake follow-ups of incident %s failed", intake.incident_id)
                outcomes[index] = exc
    return [outcomes[index] for index in range(len(intakes))]


@dataclass
class Batch:
    """Intakes planned together (``plan_batch``): the outcomes known already (``gone``,
    ``done`` for the planned), the intakes left for ``run_by_id``, the plans, and what the
    plans were read from (``_fingerprints``)."""

    outcomes: dict[int, str]
    alone: list[int]
    planned: list[tuple[int, Incident, Any]]
    seen: dict[int, tuple[Any, ...]]


def _fingerprints(ids: set[int]) -> dict[int, tuple[Any, ...]]:
    """Per incident, what tells that what a plan read of it has changed: its newest history
    record and its reports' (every change of an incident or report is saved with history,
    a new report with its creation record), and whether it has deadlines or a 首报 score
    already (computed by someone else)."""
    from django.db.models import Max

    from yingji.deadlines.models import Deadline
    from yingji.scoring.choices import SourceKind
    from yingji.scoring.models import ScoreEntry

    if not ids:
        return {}
    incident_history = dict(
        Incident.history.model.objects.filter(id__in=ids)
        .values("id")
        .annotate(newest=Max("history_id"))
        .values_list("id", "newest")
        .order_by()
    )
    report_of = dict(
        Report.objects.filter(incident_id__in=ids).values_list("pk", "incident_id").order_by()
    )
    report_history: dict[int, int] = defaultdict(int)
    for report_id, newest in (
        Report.history.model.objects.filter(id__in=report_of)
        .values("id")
        .annotate(newest=Max("history_id"))
        .values_list("id", "newest")
        .order_by()
    ):
        incident_id = report_of[report_id]
        report_history[incident_id] = max(report_history[incident_id], newest)
    reports: dict[int, list[int]] = defaultdict(list)
    for report_id, incident_id in report_of.items():
        reports[incident_id].append(report_id)
    with_deadlines = set(
        Deadline.objects.filter(incident_id__in=ids)
        .values_list("incident_id", flat=True)
        .order_by()
    )
    scored = set(
        ScoreEntry.objects.filter(source_kind=SourceKind.INITIAL, source_id__in=ids)
        .values_list("source_id", flat=True)
        .order_by()
    )
    return {
        i: (
            incident_history.get(i),
            report_history.get(i),
            tuple(sorted(reports.get(i, []))),
            i in with_deadlines,
            i in scored,
        )
        for i in ids
    }


def plan_batch(intakes: list[Intake]) -> Batch:
    """Plan every fresh intake's deadlines and scores (reads only, nothing written); the
    intakes left for ``run_by_id`` — deadlines or entries already there (a 续报 came first,
    a second run), a duplicate, or what ``plan_intake`` does not plan — and those gone.
    What the plans were read from is taken first, so that ``_unchanged`` can tell, in the
    write transaction, an intake that changed since (reads outside a transaction each see
    the database as it is then)."""
    from yingji.deadlines import services as deadline_services

    ids = {intake.incident_id for intake in intakes}
    seen = _fingerprints(ids)
    incidents = {i.pk: i for i in _locked_incidents().filter(pk__in=ids).order_by("pk")}
    reports: dict[int, list[Report]] = defaultdict(list)
    for report in (
        Report.objects.filter(incident_id__in=ids)
        .select_related("unit__region", "submitted_by__unit__region")
        .defer(*deadline_services.NO_BOUNDARY_OF_REPORT)
        .order_by()
    ):
        report.incident = incidents[report.incident_id]
        reports[report.incident_id].append(report)
    # Deadlines or a 首报 score already there (the fingerprint's last two parts).
    done_before = {i for i, seen_of in seen.items() if seen_of[-2] or seen_of[-1]}

    batch = Batch(outcomes={}, alone=[], planned=[], seen=seen)
    for index, intake in enumerate(intakes):
        incident = incidents.get(intake.incident_id)
        mine = reports.get(intake.incident_id, [])
        report = next((r for r in mine if r.pk == intake.report_id), None)
        if incident is None or report is None:
            batch.outcomes[index] = "gone"
            continue
        if report.kind != ReportKind.INITIAL or intake.incident_id in done_before:
            batch.alone.append(index)
            continue
        try:
            plan = deadline_services.plan_intake(
                incident=incident, reports=mine, now=intake.received_at
            )
        except deadline_services.NotBatchable:
            batch.alone.append(index)
            continue
        done_before.add(intake.incident_id)  # a second task of it runs alone, after
        batch.planned.append((index, incident, plan))
        batch.outcomes[index] = "done"
    return batch


def _unchanged(batch: Batch) -> Batch:
    """``batch`` without the plans of incidents changed since it was planned (a report,
    an edit, deadlines or scores written meanwhile): those go to ``run_by_id``, which reads
    them afresh in the transaction (and find an incident deleted since gone)."""
    now = _fingerprints({incident.pk for _, incident, _ in batch.planned})
    planned, alone, outcomes = [], list(batch.alone), dict(batch.outcomes)
    for index, incident, plan in batch.planned:
        if now.get(incident.pk) == batch.seen.get(incident.pk):
            planned.append((index, incident, plan))
        else:
            outcomes.pop(index, None)
            alone.append(index)
    return Batch(outcomes=outcomes, alone=alone, planned=planned, seen=now)


def _scored(incident: Incident, plan: Any, now: dt.datetime) -> list[tuple[str, Any, Any]]:
    """What a planned intake scores — each fulfilled deadline, and the incident for a
    complete 首报 — as (source kind, source, outcomes); the source's key may not be known
    yet (the request writes it in the same transaction, decision 0020)."""
    from yingji.scoring import services as scoring_services
    from yingji.scoring.choices import SourceKind

    initials = [r for r in plan.reports if r.kind == ReportKind.INITIAL]
    return [
        *(
            (SourceKind.DEADLINE, d, scoring_services.deadline_outcomes(deadline=d, now=now))
            for d in plan.scored
        ),
        (
            SourceKind.INITIAL,
            incident,
            scoring_services.initial_outcomes(incident=incident, initials=initials),
        ),
    ]


def _write_batch(batch: Batch) -> tuple[dict[int, str], list[int]]:
    """Write every plan of ``batch`` at once: the deadlines (one INSERT), their check
    tasks, and the scores of the fulfilled deadlines and of each complete 首报; the
    outcomes, and the intakes left for ``run_by_id``."""
    from yingji.deadlines import services as deadline_services
    from yingji.scoring import services as scoring_services

    with deadline_services.in_caller_transaction():
        deadline_services.plans_write([plan for _, _, plan in batch.planned])
    now = timezone.now()
    entries = [
        entry
        for _, incident, plan in batch.planned
        for source_kind, source, outcomes in _scored(incident, plan, now)
        for entry in scoring_services.entries_planned(
            source_kind=source_kind, source_id=source.pk, outcomes=outcomes
        )
    ]
    scoring_services.entries_create(entries)
    return batch.outcomes, batch.alone


def run_queued(
    *, own: Intake, worker_id: str, exclude: Any, limit: int = BATCH, seconds: float | None = None
) -> str:
    """The task's own intake and other intakes whose tasks wait in the queue, in the
    caller's transaction, their tasks marked done in it too; the own intake's outcome.

    Under a burst the queue holds many; one task that takes on up to ``limit`` of them
    (and stops taking more after ``seconds``) saves the worker's per-task claim and
    bookkeeping (three commits each on SQLite), and computes them ``CHUNK`` at a time
    (``run_many``): the work and the marks commit together, or — if the transaction
    fails — the tasks are still waiting for the next worker. Rows another worker holds
    are skipped.
    """
    budget = BATCH_SECONDS if seconds is None else seconds
    started = time.monotonic()
    taken = 0
    own_outcome: str | None = None
    while True:
        in_time = time.monotonic() - started < budget
        rows = _claim_waiting(min(CHUNK, limit - taken) if in_time else 0, exclude=exclude)
        claimed_at = timezone.now()
        intakes = [_intake_of(row) for row in rows]
        if own_outcome is None:
            intakes.insert(0, own)
        elif not rows:
            break
        outcomes = run_many(intakes)
        if own_outcome is None:
            first = outcomes.pop(0)
            if isinstance(first, Exception):
                raise first  # the task fails; the claims roll back with it
            own_outcome = first
        _finish(rows, outcomes, worker_id=worker_id, claimed_at=claimed_at)
        taken += len(rows)
        if len(rows) < CHUNK:
            break  # the queue is empty (or the rest is held by another worker)
    return own_outcome


def plans_outside_the_lock() -> bool:
    """Whether the worker plans a batch before its write transaction (``run_planned``):
    on SQLite, whose transactions (``BEGIN IMMEDIATE``) hold the one write lock from their
    start, every intake would wait for the worker's reads and planning as well as for its
    INSERTs. PostgreSQL locks rows, not the database: there the batch is planned in the
    transaction, its incidents read ``FOR UPDATE`` (``run_queued``)."""
    from django.db import connection

    return connection.vendor == "sqlite"


def run_planned(
    *, own: Intake, worker_id: str, exclude: Any, limit: int = BATCH, seconds: float | None = None
) -> str:
    """``run_queued`` with each chunk of intakes planned before its transaction: the
    waiting tasks are looked at and their intakes read and planned (``plan_batch``)
    without a lock; then, in a transaction of the chunk's own, the tasks still waiting are
    claimed, the plans of incidents unchanged since are written and the others computed
    alone (``run_many``), and the tasks marked done. The own intake's outcome; it fails
    the task as in ``run_queued``. A later chunk that fails is rolled back and logged: its
    tasks wait for the next worker."""
    with rules_cached():  # for the task's few chunks, as ``run_queued``'s transaction
        budget = BATCH_SECONDS if seconds is None else seconds
        started = time.monotonic()
        taken = 0
        own_outcome: str | None = None
        while True:
            wanted = min(CHUNK, limit - taken) if time.monotonic() - started < budget else 0
            seen = _waiting(wanted, exclude=exclude)
            if own_outcome is not None and not seen:
                break
            intakes = ([own] if own_outcome is None else []) + [_intake_of(row) for row in seen]
            batch = _planned(intakes)
            try:
                with transaction.atomic():
                    rows = _claim_waiting(len(seen), exclude=exclude, among=[r.pk for r in seen])
                    claimed = {row.pk for row in rows}
                    offset = 1 if own_outcome is None else 0
                    kept = list(range(offset)) + [
                        offset + i for i, row in enumerate(seen) if row.pk in claimed
                    ]
                    if len(kept) < len(intakes):  # another worker took some meanwhile
                        intakes = [intakes[i] for i in kept]
                        batch = None  # planned in the transaction: nothing changes under it
                    outcomes = run_many(intakes, batch)
                    if own_outcome is None:
                        first = outcomes.pop(0)
                        if isinstance(first, Exception):
                            raise first  # the task fails; the claims roll back with it
                        own_outcome = first
                    by_pk = {row.pk: row for row in rows}
                    _finish(
                        [by_pk[seen[i - offset].pk] for i in kept[offset:]],
                        outcomes,
                        worker_id=worker_id,
                        claimed_at=timezone.now(),
                    )
            except Exception:
                if own_outcome is None:
                    raise
                logger.exception("a batch of %d intake follow-ups failed; left waiting", len(seen))
                break
            taken += len(rows)
            if len(seen) < wanted:
                break  # the queue is empty (or the rest is held by another worker)
        return own_outcome


def _planned(intakes: list[Intake]) -> Batch | None:
    """``plan_batch`` before the transaction (``run_planned`` holds the rules' cache), or
    None if it fails: then ``run_many`` plans
    in the transaction, where a failure sends each intake alone (and is logged)."""
    try:
        return plan_batch(intakes)
    except Exception:
        return None


def _waiting(count: int, *, exclude: Any) -> list[Any]:
    """Up to ``count`` waiting follow-up tasks, in the worker's order, without a lock."""
    if count <= 0:
        return []
    return list(_intake_tasks().ready().exclude(pk=exclude)[:count])


def _claim_waiting(count: int, *, exclude: Any, among: list[Any] | None = None) -> list[Any]:
    """Up to ``count`` waiting follow-up tasks, in the worker's order, locked (skipping rows
    another worker holds; SQLite: the transaction holds the write lock)."""
    if count <= 0:
        return []
    waiting = _intake_tasks().ready().exclude(pk=exclude)
    if among is not None:
        waiting = waiting.filter(pk__in=among)
    return list(waiting.select_for_update(skip_locked=True)[:count])


# A follow-up task that a worker claimed this long ago and never finished was lost with
# its worker (killed mid-task): a task runs for seconds (``yield_to_burst`` ≤ 30 s, then
# batches of ``BATCH_SECONDS``), so ten minutes leaves no doubt.
STALLED_AFTER = dt.timedelta(minutes=10)


def recover_stalled(*, now: dt.datetime | None = None) -> int:
    """Run again the intake follow-ups whose task a worker claimed and never finished (it
    died); each in its own transaction, marked done or failed as the worker would. The
    follow-ups are idempotent, so a task that was only slow gains nothing twice. The cron
    safety net (``yingji check_deadlines``) calls this: without it such an incident would
    never get its deadlines, and no deadline check would ever notice."""
    from django_tasks_db.compat import TaskResultStatus

    now = now or timezone.now()
    stalled = (
        _intake_tasks()
        .filter(status=TaskResultStatus.RUNNING, started_at__lt=now - STALLED_AFTER)
        .order_by("started_at")
    )
    recovered = 0
    for row in stalled:
        intake = _intake_of(row)
        try:
            with transaction.atomic(), rules_cached():
                outcome = run_by_id(
                    incident_id=intake.incident_id,
                    report_id=intake.report_id,
                    now=intake.received_at,
                )
                row.set_successful(outcome)
        except Exception as exc:
            logger.exception("stalled intake follow-ups of incident %s failed", intake.incident_id)
            row.set_failed(exc)
            continue
        recovered += 1
    return recovered


def _intake_of(row: Any) -> Intake:
    incident_id, report_id, received_at = row.args_kwargs["args"]
    return Intake(incident_id, report_id, dt.datetime.fromisoformat(received_at))


def _finish(
    rows: list[Any],
    outcomes: list[str | Exception],
    *,
    worker_id: str,
    claimed_at: dt.datetime,
) -> None:
    """Mark the tasks as ``claim`` then ``set_successful``/``set_failed`` would: the
    successful ones in one UPDATE per outcome and earlier workers (claimed in this
    transaction, nobody saw them running)."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    groups: dict[tuple[str, tuple[str, ...]], list[Any]] = defaultdict(list)
    for row, outcome in zip(rows, outcomes, strict=True):
        if isinstance(outcome, Exception):
            row.claim(worker_id)  # started_at: now, not when claimed (a rare path)
            row.set_failed(outcome)
        else:
            groups[(outcome, tuple(row.worker_ids))].append(row.pk)
    for (outcome, workers), pks in groups.items():
        DBTaskResult.objects.filter(pk__in=pks).update(
            status=TaskResultStatus.SUCCESSFUL,
            started_at=claimed_at,
            finished_at=now,
            worker_ids=[*workers, worker_id],
            return_value=outcome,
            exception_class_path="",
            traceback="",
        )
