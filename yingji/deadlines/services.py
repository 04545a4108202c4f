"""Writes of the deadline engine: compute, fulfil, remind, mark late, and review findings.

The incidents services call the four hooks after their transaction commits:

- ``deadlines_on_incident`` — create/refresh an incident's deadlines from the rules;
- ``deadlines_on_report`` — a report arrived: mark what it fulfils (met or late);
- ``deadlines_on_severity_change`` — recompute pending deadlines for the new level;
- ``deadlines_on_close`` — waive progress deadlines and ask for the final report.

All four are idempotent: calling one twice changes nothing the second time. Met and late
deadlines are never moved. Each pending deadline has one scheduled check task
(``tasks.deadline_check``) that reminds before it falls due and marks it late (迟报) when
it passes; ``yingji check_deadlines`` is the safety net if a worker was down.

``plan_intake`` runs ``deadlines_on_incident``'s computation for one fresh intake without
writing: the worker plans a batch of intakes and inserts their deadlines, checks and
scores at once (``incidents.followups.run_many``).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yingji.accounts.choices import Role
from yingji.accounts.models import Unit, User
from yingji.core import versioned
from yingji.core.batch import BatchMemo
from yingji.core.inserts import Prepared, prepare
from yingji.core.services import check_scope, save_with_history
from yingji.core.task_backend import announce, in_default_database, prepare_enqueue, task_row
from yingji.core.versioned import Versioned
from yingji.geo.models import Region
from yingji.incidents.choices import (
    EXTERNAL_CHANNELS,
    OPEN_STATUSES,
    IncidentStatus,
    ReportKind,
    ReportMode,
)
from yingji.incidents.models import Attachment, Incident, Notification, Report

from .choices import (
    MANUAL_KINDS,
    RECURRING,
    WHILE_OPEN,
    Anchor,
    DeadlineStatus,
    FindingKind,
    FindingStatus,
    Requirement,
)
from .models import Deadline, DeadlineRule, Finding
from .rules import (
    applicable_rules,
    applicable_rules_among,
    due_from,
    limit_text,
    path_prefixes,
)

logger = logging.getLogger(__name__)

DEFAULT_REMINDER_MINUTES = (10, 0)
LATE_NOTICE = -1
# A check runs this long after due_at: a report at exactly due_at is in time.
LATE_GRACE = dt.timedelta(seconds=1)
NOTIFIED_ROLES = (Role.DUTY_OFFICER, Role.DUTY_LEADER)

# Which report kinds can fulfil which requirement (mode checked separately for written).
FULFILLING_KINDS: dict[str, tuple[str, ...]] = {
    Requirement.INITIAL_PHONE: (ReportKind.INITIAL, ReportKind.FOLLOWUP, ReportKind.DAILY),
    Requirement.INITIAL_WRITTEN: (ReportKind.INITIAL, ReportKind.FOLLOWUP, ReportKind.DAILY),
    Requirement.FOLLOWUP: (ReportKind.FOLLOWUP, ReportKind.DAILY),
    Requirement.DAILY: (ReportKind.DAILY,),
    Requirement.FINAL: (ReportKind.FINAL,),
    Requirement.SCENE_LIAISON: (
        ReportKind.INITIAL,
        ReportKind.FOLLOWUP,
        ReportKind.DAILY,
        ReportKind.FINAL,
    ),
}
# The order deadlines claim a report in (the initial ones first).
CLAIM_ORDER = [
    Requirement.INITIAL_PHONE,
    Requirement.INITIAL_WRITTEN,
    Requirement.SCENE_LIAISON,
    Requirement.FOLLOWUP,
    Requirement.DAILY,
    Requirement.FINAL,
]


def reminder_minutes() -> tuple[int, ...]:
    """Minutes before due at which reminders go out (``YINGJI_DEADLINE_REMINDER_MINUTES``)."""
    value = getattr(settings, "YINGJI_DEADLINE_REMINDER_MINUTES", DEFAULT_REMINDER_MINUTES)
    return tuple(sorted({int(v) for v in value if int(v) >= 0}, reverse=True))


_INLINE: contextvars.ContextVar[bool] = contextvars.ContextVar("deadlines_inline", default=False)


@contextlib.contextmanager
def in_caller_transaction() -> Iterator[None]:
    """Run this engine's follow-ups (scoring, enqueueing checks) inside the caller's
    transaction, each in a savepoint, instead of after its commit.

    The intake uses it: the incident, its deadlines, their scores and reminder tasks then
    commit together (one fsync), and a failing follow-up is still logged and rolled back
    alone without losing the write.
    """
    token = _INLINE.set(True)
    try:
        yield
    finally:
        _INLINE.reset(token)


class NotBatchable(Exception):
    """An intake ``plan_intake`` does not plan (a late 首报 and its 迟报 finding, an
    outside channel's 漏报 check, anything but a fresh open incident): run it alone."""


@dataclass
class IntakePlan:
    """What ``deadlines_on_incident`` would write for one fresh intake, collected instead:
    the deadlines to insert (in their final state), their check times, those to score."""

    reports: list[Report]
    inserts: list[Deadline] = field(default_factory=list)
    checks: list[tuple[Deadline, dt.datetime]] = field(default_factory=list)
    scored: list[Deadline] = field(default_factory=list)


# Set while ``plan_intake`` runs ``_sync``: its writes go to the plan.
_PLAN: contextvars.ContextVar[IntakePlan | None] = contextvars.ContextVar(
    "deadlines_plan", default=None
)


def _not_in_plan(what: str) -> None:
    if _PLAN.get() is not None:
        raise NotBatchable(what)


def plan_intake(*, incident: Incident, reports: list[Report], now: dt.datetime) -> IntakePlan:
    """``deadlines_on_incident`` for a batch of intakes: the same computation (``_sync``),
    but nothing written — the caller inserts every plan's deadlines at once
    (``plans_write``) and scores them. ``incident`` has no deadline yet (the caller
    checked), was read with its regions and units like ``locked``; ``reports`` are all of
    its reports, with their units' and reporters' regions.

    Raises ``NotBatchable`` for what a batch does not write (see there)."""
    if incident.status not in OPEN_STATUSES or incident.source_channel in EXTERNAL_CHANNELS:
        raise NotBatchable("not a fresh open incident from an own channel")
    plan = IntakePlan(reports=reports)
    token = _PLAN.set(plan)
    try:
        _sync(incident, now, upgrade_floor=False, locked=True)
    finally:
        _PLAN.reset(token)
    # _suspect_missed: nothing for a channel that is not outside (checked above).
    return plan


def plans_write(plans: list[IntakePlan]) -> None:
    """Insert the planned deadlines in one statement and queue their checks; the caller
    then scores each plan's ``scored`` deadlines (``scoring.services.deadline_outcomes``)."""
    deadlines = [d for plan in plans for d in plan.inserts]
    Deadline.objects.bulk_create(deadlines)
    if any(d.pk is None for d in deadlines):  # a database that returns no ids
        raise NotBatchable("inserted deadlines came back without ids")
    _enqueue_checks([(d.pk, when) for plan in plans for d, when in plan.checks])


def plan_prepared(plan: IntakePlan) -> list[Prepared]:
    """``plans_write`` for one plan made before the intake's own transaction (decision
    0020): its deadlines' INSERTs and their check tasks, prepared for ``core.inserts``;
    each key not known yet (the incident, the 首报 that met a deadline, the deadline a
    task checks) is filled in as the rows before it are written. Needs the task queue in
    the database (``_tasks_in_database``)."""
    from .tasks import deadline_check

    rows = [prepare(deadline) for deadline in plan.inserts]
    rows += [
        prepare_enqueue(deadline_check.using(run_after=when), _check_args(deadline, when))
        for deadline, when in plan.checks
    ]
    return rows


def _check_args(deadline: Deadline, when: dt.datetime) -> Callable[[], tuple[Any, ...]]:
    return lambda: (deadline.pk, when.isoformat())


# Deadline rules per (region, level, day), read once per worker batch (decision 0013).
_RULES: BatchMemo[tuple[str, int, dt.date], dict[str, DeadlineRule]] = BatchMemo("deadline_rules")
# Every active rule, read once when a batch of intakes is planned (``plan_intake``): a batch
# spans many regions, and one query per (region, level, day) was most of its reads.
_ALL_RULES: BatchMemo[str, list[DeadlineRule]] = BatchMemo("deadline_rules_all")


@contextlib.contextmanager
def rules_cached() -> Iterator[None]:
    with _RULES.active(), _ALL_RULES.active(), versioned.batch():
        yield


def _read_active_rules() -> list[DeadlineRule]:
    return list(
        DeadlineRule.objects.filter(active=True)
        .select_related("region")
        .defer("region__boundary")
        .order_by()
    )


# Kept in the process while the rules and regions are unchanged (a rule's basis names its
# region): every intake plans with them (decision 0020).
_ACTIVE_RULES = Versioned("deadline_rules", (DeadlineRule, Region), _read_active_rules)


def _active_rules() -> list[DeadlineRule]:
    return _ACTIVE_RULES.get()


class _ApplicableRules:
    """The rules that apply per (region, level, day), chosen among one reading of every
    active rule and kept as long as that reading is the current one (the same list object
    of ``_ACTIVE_RULES``): choosing them was a tenth of an intake's planning. Shared by the
    process's threads, read-only, as the rules themselves."""

    def __init__(self) -> None:
        self._kept: tuple[object, dict[Any, dict[str, DeadlineRule]]] = (None, {})

    def among(
        self, rules: list[DeadlineRule], key: Any, incident: Incident
    ) -> dict[str, DeadlineRule]:
        owner, chosen = self._kept
        if owner is not rules:
            chosen = {}
            self._kept = (rules, chosen)
        found = chosen.get(key)
        if found is None:
            found = chosen[key] = applicable_rules_among(
                rules,
                region_path=incident.region.path,
                severity=incident.severity,
                at=incident.received_at,
            )
        return found


_APPLICABLE = _ApplicableRules()


def _rules_for(incident: Incident) -> dict[str, DeadlineRule]:
    key = (incident.region.path, incident.severity, timezone.localdate(incident.received_at))
    if _PLAN.get() is not None:  # kept per process, not per batch (_ApplicableRules)
        return _APPLICABLE.among(_ALL_RULES.get("all", _active_rules), key, incident)
    return _RULES.get(
        key,
        lambda: applicable_rules(
            region_path=incident.region.path, severity=incident.severity, at=incident.received_at
        ),
    )


def _on_commit(func: Callable[[], Any]) -> None:
    """Run ``func`` after commit; a failure there is logged (the outcome is already durable).

    Inside ``in_caller_transaction()``: now, in a savepoint (logged and rolled back alone
    on failure).
    """
    if _INLINE.get() and transaction.get_connection().in_atomic_block:
        try:
            with transaction.atomic():
                func()
        except Exception:
            logger.exception("deadline follow-up failed; the write is kept")
        return
    transaction.on_commit(func, robust=True)


def _tasks_in_database() -> bool:
    """Whether the task queue is a table of the default database (django-tasks-db).

    Then a check task is enqueued inside the transaction that creates its deadline: both
    commit or neither does (no deadline without its check, no extra commit). Any other
    backend (Redis) is enqueued after commit, so that a worker never sees a task whose
    deadline is not committed yet.
    """
    from .tasks import deadline_check

    return in_default_database(deadline_check)


# --- scoring hand-off --------------------------------------------------------------------


def _loaded_for_scoring(deadline: Deadline) -> bool:
    """Whether what scoring reads of ``deadline`` is already in memory: its incident, its
    responsible unit (with its region) and the report that fulfilled it (with their units)."""
    state = deadline._state.fields_cache
    if "incident" not in state:
        return False
    if deadline.responsible_unit_id is not None and "responsible_unit" not in state:
        return False
    return deadline.fulfilled_by_id is None or "fulfilled_by" in state


def _score_deadline(deadline: Deadline) -> None:
    plan = _PLAN.get()
    if plan is not None:
        plan.scored.append(deadline)  # scored once the batch has inserted it
        return
    pk = deadline.pk

    if _INLINE.get() and _loaded_for_scoring(deadline):
        # Inside the caller's transaction the deadline just saved, its incident (locked)
        # and its report are current: reading them once more (ten tables joined) was
        # two thirds of a report's follow-up time.
        def score_loaded() -> None:
            from yingji.scoring.services import score_on_deadline

            score_on_deadline(deadline=deadline)

        _on_commit(score_loaded)
        return

    def call() -> None:
        from yingji.scoring.services import score_on_deadline

        # What scoring reads, in one query; region outlines (GeoJSON, up to 70 kB) never.
        fresh = (
            Deadline.objects.filter(pk=pk)
            .select_related(
                "incident__region",
                "incident__owner_unit__region",
                "responsible_unit__region",
                "fulfilled_by__submitted_by",
                "fulfilled_by__unit__region",
            )
            .defer(*NO_BOUNDARY_OF_DEADLINE)
            .first()
        )
        if fresh is not None:
            score_on_deadline(deadline=fresh)

    _on_commit(call)


NO_BOUNDARY_OF_DEADLINE = (
    "incident__region__boundary",
    "incident__owner_unit__region__boundary",
    "responsible_unit__region__boundary",
    "fulfilled_by__unit__region__boundary",
)


def _score_finding(finding: Finding) -> None:
    _not_in_plan("a finding to score")
    pk = finding.pk

    def call() -> None:
        from yingji.scoring.services import score_on_finding

        fresh = Finding.objects.filter(pk=pk).select_related("incident").first()
        if fresh is not None:
            score_on_finding(finding=fresh)

    _on_commit(call)


# --- who reported ------------------------------------------------------------------------


def _report_unit(report: Report) -> Unit | None:
    if report.unit_id is not None:
        return report.unit
    if report.submitted_by_id is not None and report.submitted_by is not None:
        return report.submitted_by.unit
    return None


def from_responsible_side(report: Report, responsible: Unit | None) -> bool:
    """Whether ``report`` came from the responsible unit or from within its area.

    A township office or a department of the same county reporting counts for the county;
    the city duty room writing down what the public or the media said does not.
    Without a responsible unit, any report counts.
    """
    if responsible is None:
        return True
    unit = _report_unit(report)
    if unit is None:
        return False
    if unit.pk == responsible.pk:
        return True
    return bool(unit.region.path.startswith(responsible.region.path))


def _fulfils(deadline: Deadline, report: Report) -> bool:
    if report.kind not in FULFILLING_KINDS[deadline.kind]:
        return False
    if deadline.kind == Requirement.INITIAL_WRITTEN and report.mode != ReportMode.WRITTEN:
        return False
    if deadline.kind == Requirement.SCENE_LIAISON:
        return bool(report.scene_contact_name and report.scene_contact_phone)
    if deadline.kind == Requirement.FOLLOWUP and report.submitted_at <= deadline.anchor_at:
        return False  # a progress report after the one the interval counts from
    return not (deadline.kind == Requirement.DAILY and report.submitted_at <= deadline.anchor_at)


def _is_open(deadline: Deadline) -> bool:
    return deadline.status == DeadlineStatus.PENDING or (
        deadline.status == DeadlineStatus.LATE and deadline.met_at is None
    )


def _in_other_daily_window(deadline: Deadline, report: Report, existing: list[Deadline]) -> bool:
    """Whether another open daily slot covers the report's time (previous slot, its due]."""
    return any(
        other is not deadline
        and other.kind == Requirement.DAILY
        and _is_open(other)
        and other.anchor_at < report.submitted_at <= other.due_at
        for other in existing
    )


# --- computing ---------------------------------------------------------------------------


def _anchor_time(
    incident: Incident, rule: DeadlineRule, last_report_at: dt.datetime | None
) -> dt.datetime | None:
    if rule.anchor == Anchor.OCCURRED:
        return incident.occurred_at or incident.received_at
    if rule.anchor == Anchor.RECEIVED:
        return incident.received_at
    if rule.anchor == Anchor.CLOSED:
        return incident.closed_at
    return last_report_at


def _basis(rule: DeadlineRule) -> str:
    """The rule as a deadline names it; kept per rule, version and language (the rules
    live in the process, decision 0020, and every intake names two or three)."""
    key = (rule.pk, rule.updated_at, rule.region.pk, rule.region.updated_at, get_language())
    text = _BASES.get(key)
    if text is None:
        if len(_BASES) > 4096:
            _BASES.clear()
        text = _BASES[key] = f"{rule.region.name}：{rule.name}（{limit_text(rule)}）"[:255]
    return text


_BASES: dict[tuple[Any, ...], str] = {}


def _late_minutes(at: dt.datetime, due: dt.datetime) -> int:
    return max(1, math.ceil((at - due).total_seconds() / 60))


def _save(deadline: Deadline) -> None:
    """``deadline.save()`` — planning a batch, nothing: a planned deadline is inserted in its
    final state."""
    if _PLAN.get() is None:
        deadline.save()
    elif deadline.pk is not None:
        raise NotBatchable("an existing deadline changes")


def _waive(deadline: Deadline, reason: str) -> None:
    _not_in_plan("a deadline to waive")
    deadline.status = DeadlineStatus.WAIVED
    deadline.waived_reason = reason[:255]
    deadline.next_check_at = None
    deadline.save(update_fields=["status", "waived_reason", "next_check_at", "updated_at"])


def _late_finding(deadline: Deadline, *, at: dt.datetime, now: dt.datetime) -> Finding | None:
    """The 迟报 finding of a deadline (created once, confirmed by rule)."""
    _not_in_plan("a 迟报 finding")
    existing: Finding | None = Finding.objects.filter(
        deadline=deadline, kind=FindingKind.LATE
    ).first()
    if existing is not None:
        return existing
    minutes = _late_minutes(at, deadline.due_at)
    finding = Finding(
        incident=deadline.incident,
        unit=deadline.responsible_unit,
        kind=FindingKind.LATE,
        status=FindingStatus.CONFIRMED,
        deadline=deadline,
        reasons=_("{label}应于{due}前报送（{basis}），超时{minutes}分钟未报。").format(
            label=deadline.label,
            due=timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M"),
            basis=deadline.basis,
            minutes=minutes,
        ),
        decided_at=now,
    )
    try:
        with transaction.atomic():
            save_with_history(finding, actor=None, reason=_("超过时限，自动认定迟报"))
    except IntegrityError:  # another worker made it first
        winner: Finding | None = Finding.objects.filter(
            deadline=deadline, kind=FindingKind.LATE
        ).first()
        return winner
    return finding


def _fulfil(deadline: Deadline, report: Report, now: dt.datetime) -> bool:
    """Record that ``report`` fulfils ``deadline``; returns whether anything changed."""
    at = report.submitted_at
    in_time = at <= deadline.due_at
    if deadline.status == DeadlineStatus.PENDING:
        deadline.status = DeadlineStatus.MET if in_time else DeadlineStatus.LATE
        if not in_time:
            deadline.late_marked_at = now
            deadline.late_minutes = _late_minutes(at, deadline.due_at)
    elif deadline.status == DeadlineStatus.LATE and deadline.met_at is None:
        if in_time:
            # The check ran before a report dated in time was entered (a phone call written
            # down a minute later): the deadline was met after all.
            deadline.status = DeadlineStatus.MET
            deadline.late_minutes = None
            for finding in deadline.findings.filter(
                kind=FindingKind.LATE, status=FindingStatus.CONFIRMED
            ):
                finding.status = FindingStatus.DISMISSED
                finding.reasons = (
                    finding.reasons
                    + "\n"
                    + _("报告时间 {at} 在时限内，系统撤销迟报。").format(
                        at=timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")
                    )
                )
                finding.decided_at = now
                save_with_history(finding, actor=None, reason=_("报告在时限内，撤销迟报"))
                _score_finding(finding)
        else:
            deadline.late_minutes = _late_minutes(at, deadline.due_at)
    else:
        return False
    deadline.met_at = at
    deadline.fulfilled_by = report
    deadline.next_check_at = None
    _save(deadline)
    if deadline.status == DeadlineStatus.LATE:
        _late_finding(deadline, at=at, now=now)
    _score_deadline(deadline)
    return True


# Region outlines are GeoJSON (the city's is 70 kB): never decoded where only a region's
# name or path is read. Measured: decoding them was 30 % of an intake's time.
NO_BOUNDARY_OF_REPORT = ("unit__region__boundary", "submitted_by__unit__region__boundary")


def _responsible_reports(incident: Incident, responsible: Unit | None) -> list[Report]:
    plan = _PLAN.get()
    reports = (
        plan.reports
        if plan is not None
        else incident.reports.select_related("unit__region", "submitted_by__unit__region")
        .defer(*NO_BOUNDARY_OF_REPORT)
        .order_by()  # sorted here: an ORDER BY over these joined columns costs more to build
    )
    ordered = sorted(reports, key=lambda r: (r.submitted_at, r.pk))
    return [r for r in ordered if from_responsible_side(r, responsible)]


def _sync(
    incident: Incident, now: dt.datetime, *, upgrade_floor: bool, locked: bool = False
) -> list[Deadline]:
    """Bring ``incident``'s deadlines in line with the rules, its status and its reports.

    - pending deadlines are recomputed from the rules in force (a severity change moves
      them; met and late ones never move);
    - missing requirements are created; with ``upgrade_floor`` (not the first computation)
      a requirement that appears now counts from now at the earliest;
    - requirements that no longer apply (a downgrade, closing, merging) are waived;
    - existing reports from the responsible side fulfil what they can.

    ``locked``: the caller has read ``incident`` FOR UPDATE in this transaction, with its
    region and its owner unit's region; it is not read again.
    """
    if not locked:
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("region", "owner_unit__region")
            .defer("region__boundary", "owner_unit__region__boundary")
            .get(pk=incident.pk)
        )
    responsible = incident.owner_unit
    open_ = incident.status in OPEN_STATUSES
    closed = incident.status == IncidentStatus.CLOSED
    plan = _PLAN.get()
    existing = (
        []  # planned: the incident has none yet
        if plan is not None
        else sorted(
            # Sorted here: an ORDER BY over these joined columns costs more to build than to sort.
            incident.deadlines.select_related("rule__region")
            .defer("rule__region__boundary")
            .order_by(),
            key=lambda d: (d.kind, d.sequence),
        )
    )
    if not open_ and not closed:
        for deadline in existing:
            if deadline.status == DeadlineStatus.PENDING:
                _waive(
                    deadline,
                    _("事件状态为“{status}”，不再要求报告。").format(
                        status=incident.get_status_display()
                    ),
                )
        return existing

    rules = _rules_for(incident)
    reports = _responsible_reports(incident, responsible)
    claimed: dict[str, set[int]] = {}
    for deadline in existing:
        if deadline.fulfilled_by_id:
            claimed.setdefault(deadline.kind, set()).add(deadline.fulfilled_by_id)
    by_step = {(d.kind, d.sequence): d for d in existing}
    changed: list[Deadline] = []

    def required(kind: str) -> bool:
        if kind not in rules:
            return False
        if kind == Requirement.FINAL:
            return closed
        if kind in WHILE_OPEN:
            return open_
        return True

    # Waive what no longer applies, recompute what is pending.
    for deadline in existing:
        if deadline.status != DeadlineStatus.PENDING:
            continue
        if not required(deadline.kind):
            reason = (
                _("事件已结束，不再要求此项报告。")
                if closed
                else _("事件已重新处置，终报待结束后再报。")
                if deadline.kind == Requirement.FINAL
                else _("按当前级别的时限规则，不再要求此项报告。")
            )
            _waive(deadline, reason)
            continue
        rule = rules[deadline.kind]
        if deadline.kind == Requirement.DAILY and deadline.sequence > 1:
            due = deadline.due_at  # later daily slots follow the previous one, not the rule start
        elif deadline.kind in RECURRING:
            due = due_from(rule, deadline.anchor_at)
        else:
            anchor = _anchor_time(incident, rule, None)
            if anchor is None:
                continue
            if deadline.anchor_at > incident.received_at:
                # Created after an upgrade: it still counts from the upgrade at the earliest.
                anchor = max(anchor, deadline.anchor_at)
            deadline.anchor_at = anchor
            due = due_from(rule, anchor)
        if due != deadline.due_at or deadline.rule_id != rule.pk:
            deadline.due_at = due
            deadline.rule = rule
            deadline.basis = _basis(rule)
            deadline.responsible_unit = responsible
            _not_in_plan("a pending deadline moves")
            deadline.save(
                update_fields=[
                    "anchor_at",
                    "due_at",
                    "rule",
                    "basis",
                    "responsible_unit",
                    "updated_at",
                ]
            )
            changed.append(deadline)

    # Deadlines created here, with the check time they were inserted with: the row goes in
    # with it (no UPDATE right after the INSERT); the task is enqueued at the end if the
    # deadline is still pending then.
    # Keyed by the object: a planned deadline has no id.
    checks_at: dict[int, dt.datetime] = {}

    def create(kind: str, sequence: int, anchor: dt.datetime, due: dt.datetime) -> Deadline:
        rule = rules[kind]
        deadline = Deadline(
            incident=incident,
            kind=kind,
            sequence=sequence,
            responsible_unit=responsible,
            rule=rule,
            basis=_basis(rule),
            anchor_at=anchor,
            due_at=due,
        )
        deadline.next_check_at = next_check_time(deadline, now)
        if plan is not None:
            plan.inserts.append(deadline)
        else:
            deadline.save(force_insert=True)
        checks_at[id(deadline)] = deadline.next_check_at
        existing.append(deadline)
        by_step[(kind, sequence)] = deadline
        changed.append(deadline)
        return deadline

    # One-off requirements.
    for kind in (
        Requirement.INITIAL_PHONE,
        Requirement.INITIAL_WRITTEN,
        Requirement.SCENE_LIAISON,
        Requirement.FINAL,
    ):
        if not required(kind) or any(
            d.kind == kind and d.status != DeadlineStatus.WAIVED for d in existing
        ):
            continue
        rule = rules[kind]
        anchor = _anchor_time(incident, rule, None)
        if kind == Requirement.FINAL and anchor is None:
            anchor = now
        if anchor is None:
            continue
        if kind != Requirement.FINAL and (
            (upgrade_floor and existing) or any(d.kind == kind for d in existing)
        ):
            # Newly required after an upgrade, or again after reopening: from now at the earliest.
            anchor = max(anchor, now)
        sequence = max((d.sequence for d in existing if d.kind == kind), default=-1) + 1
        create(kind, sequence, anchor, due_from(rule, anchor))

    # Fulfil from existing reports, in claim order.
    for kind in CLAIM_ORDER:
        for deadline in sorted(
            (d for d in existing if d.kind == kind), key=lambda d: (d.sequence, d.pk or 0)
        ):
            if not (
                deadline.status == DeadlineStatus.PENDING
                or (deadline.status == DeadlineStatus.LATE and deadline.met_at is None)
            ):
                continue
            taken = set(claimed.get(kind, set()))
            if kind == Requirement.FOLLOWUP:
                # The report that was the 首报 is not also a 续报.
                taken |= claimed.get(Requirement.INITIAL_PHONE, set())
                taken |= claimed.get(Requirement.INITIAL_WRITTEN, set())
            for report in reports:
                if report.pk in taken or not _fulfils(deadline, report):
                    continue
                if kind == Requirement.DAILY and _in_other_daily_window(deadline, report, existing):
                    continue  # a report in the window of a later slot is that slot's report
                if _fulfil(deadline, report, now):
                    claimed.setdefault(kind, set()).add(report.pk)
                    if deadline not in changed:
                        changed.append(deadline)
                break
            if (
                kind == Requirement.SCENE_LIAISON
                and deadline.status == DeadlineStatus.PENDING
                and incident.scene_contact_name
                and incident.scene_contact_phone
            ):
                _fulfil_at(deadline, now, now)
                changed.append(deadline)

    # Recurring requirements: one open follow-up and one open daily report at a time.
    if required(Requirement.FOLLOWUP) and reports:
        _ensure_next_recurring(
            incident,
            Requirement.FOLLOWUP,
            rules,
            existing,
            reports,
            now,
            create,
            upgrade_floor=upgrade_floor,
        )
    if required(Requirement.DAILY):
        _ensure_next_recurring(
            incident,
            Requirement.DAILY,
            rules,
            existing,
            reports,
            now,
            create,
            upgrade_floor=upgrade_floor,
        )

    for deadline in changed:
        if deadline.status != DeadlineStatus.PENDING:
            continue
        inserted_with = checks_at.pop(id(deadline), None)
        if inserted_with is not None and deadline.next_check_at == inserted_with:
            if plan is not None:
                plan.checks.append((deadline, inserted_with))
            else:
                _enqueue_check(deadline.pk, inserted_with)
        else:
            schedule_check(deadline, now=now)
    return existing


def _fulfil_at(deadline: Deadline, at: dt.datetime, now: dt.datetime) -> None:
    """Fulfil a deadline without a report (the scene liaison named on the incident)."""
    in_time = at <= deadline.due_at
    deadline.status = DeadlineStatus.MET if in_time else DeadlineStatus.LATE
    deadline.met_at = at
    deadline.next_check_at = None
    if not in_time:
        deadline.late_marked_at = now
        deadline.late_minutes = _late_minutes(at, deadline.due_at)
    _save(deadline)
    if not in_time:
        _late_finding(deadline, at=at, now=now)
    _score_deadline(deadline)


def _ensure_next_recurring(
    incident: Incident,
    kind: str,
    rules: dict[str, DeadlineRule],
    existing: list[Deadline],
    reports: list[Report],
    now: dt.datetime,
    create: Callable[[str, int, dt.datetime, dt.datetime], Deadline],
    *,
    upgrade_floor: bool,
) -> None:
    """Keep exactly one open follow-up (or daily) deadline while the incident is open.

    The next follow-up counts from the last report of the responsible side; it is created
    once the current one is fulfilled (a late, unreported one waits for its report). The
    next daily report is the next listed time after the previous slot, made as soon as
    that slot is met or late, so that every missed day counts.
    """
    rule = rules[kind]
    mine = sorted((d for d in existing if d.kind == kind), key=lambda d: d.sequence)
    live = [d for d in mine if d.status != DeadlineStatus.WAIVED]
    last = live[-1] if live else None
    if last is not None and last.status == DeadlineStatus.PENDING:
        return
    sequence = (mine[-1].sequence if mine else 0) + 1
    if kind == Requirement.FOLLOWUP:
        if last is not None and last.met_at is None:
            return  # late and still unreported: the next one counts from its report
        anchor = reports[-1].submitted_at
        if last is not None and last.met_at is not None:
            anchor = max(anchor, last.met_at)
        if (mine and mine[-1].status == DeadlineStatus.WAIVED) or (not mine and upgrade_floor):
            anchor = max(anchor, now)  # reopened after closing, or required since an upgrade
        create(kind, sequence, anchor, due_from(rule, anchor))
        return
    if last is None:
        anchor = incident.received_at
        if mine or upgrade_floor:  # reopened, or newly required after an upgrade
            anchor = max(anchor, now)
        create(kind, sequence, anchor, due_from(rule, anchor))
        return
    create(kind, sequence, last.due_at, due_from(rule, last.due_at, previous_due=last.due_at))


def schedule_check(deadline: Deadline, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """Enqueue the one check task of a pending deadline (after commit) and return its time.

    The task runs at the next reminder time still ahead, otherwise just after due time.
    Older tasks of the same deadline see that they are no longer expected and stop after
    doing their (idempotent) work.
    """
    if deadline.status != DeadlineStatus.PENDING:
        return None
    now = now or timezone.now()
    when = next_check_time(deadline, now)
    if deadline.next_check_at == when:
        return when
    _not_in_plan("a check to move")
    deadline.next_check_at = when
    deadline.save(update_fields=["next_check_at"])
    _enqueue_check(deadline.pk, when)
    return when


def _enqueue_check(pk: int, when: dt.datetime) -> None:
    """Enqueue the check task of deadline ``pk`` for ``when`` (its ``next_check_at``)."""

    def enqueue() -> None:
        from .tasks import deadline_check

        deadline_check.using(run_after=when).enqueue(pk, when.isoformat())

    if _tasks_in_database() and transaction.get_connection().in_atomic_block:
        enqueue()  # the task row commits with the deadline
    else:
        _on_commit(enqueue)


def _enqueue_checks(checks: list[tuple[int, dt.datetime]]) -> None:
    """``_enqueue_check`` for many deadlines: with the database queue, their task rows in
    one INSERT — the rows ``deadline_check.using(run_after=when).enqueue(pk, when)`` makes,
    and its ``task_enqueued`` signal for each."""
    from django_tasks import task_backends
    from django_tasks_db.models import DBTaskResult

    from .tasks import deadline_check

    backend = task_backends[deadline_check.backend]
    if not (_tasks_in_database() and transaction.get_connection().in_atomic_block):
        for pk, when in checks:
            _enqueue_check(pk, when)
        return
    rows = [
        task_row(backend, deadline_check.using(run_after=when), (pk, when.isoformat()), {})
        for pk, when in checks
    ]
    DBTaskResult.objects.bulk_create(rows)
    announce(backend, rows)


def next_check_time(deadline: Deadline, now: dt.datetime) -> dt.datetime:
    for minutes in reminder_minutes():
        at = deadline.due_at - dt.timedelta(minutes=minutes)
        if at > now and minutes not in deadline.reminders_sent:
            return at
    return max(deadline.due_at + LATE_GRACE, now)


# --- the four hooks ----------------------------------------------------------------------


@transaction.atomic
def deadlines_on_incident(
    *, incident: Incident, now: dt.datetime | None = None, locked: bool = False
) -> list[Deadline]:
    """Create or refresh the incident's deadlines; flag a possible 漏报. Idempotent.

    ``locked``: the caller read ``incident`` FOR UPDATE in this transaction, with its
    region and its owner unit's region (the worker's follow-ups): not read again."""
    now = now or timezone.now()
    deadlines = _sync(incident, now, upgrade_floor=False, locked=locked)
    _suspect_missed(incident, now)
    return deadlines


@transaction.atomic
def deadlines_on_report(*, report: Report, now: dt.datetime | None = None) -> list[Deadline]:
    """A report arrived: mark what it fulfils (met, or late with the minutes late)."""
    now = now or timezone.now()
    incident = report.incident
    before = {
        d.pk: (d.status, d.fulfilled_by_id) for d in Deadline.objects.filter(incident=incident)
    }
    deadlines = _sync(incident, now, upgrade_floor=False)
    return [d for d in deadlines if before.get(d.pk) != (d.status, d.fulfilled_by_id)]


@transaction.atomic
def deadlines_on_severity_change(
    *, incident: Incident, now: dt.datetime | None = None
) -> list[Deadline]:
    """The level changed: recompute pending deadlines, add or waive requirements."""
    now = now or timezone.now()
    return _sync(incident, now, upgrade_floor=True)


@transaction.atomic
def deadlines_on_close(*, incident: Incident, now: dt.datetime | None = None) -> list[Deadline]:
    """The incident closed: waive follow-ups, daily reports and the liaison; ask for 终报."""
    now = now or timezone.now()
    return _sync(incident, now, upgrade_floor=False)


# --- reminders and lateness (run by tasks) -------------------------------------------------


def _recipients(deadline: Deadline) -> list[User]:
    incident = deadline.incident
    query = Q(role__in=NOTIFIED_ROLES, unit__region__path__in=path_prefixes(incident.region.path))
    if deadline.responsible_unit_id is not None:
        query |= Q(unit_id=deadline.responsible_unit_id)
    return list(User.objects.filter(query, is_active=True).order_by("id"))


def _notify(deadline: Deadline, offset: int, now: dt.datetime) -> int:
    incident = deadline.incident
    due = timezone.localtime(deadline.due_at).strftime("%H:%M")
    unit = deadline.responsible_unit.name if deadline.responsible_unit else _("责任单位")
    if offset == LATE_NOTICE:
        kind = "deadline_late"
        message = _("【迟报】{number} {title}：{unit}的{label}已超过时限（{due}）未报送。")
    else:
        kind = "deadline_reminder"
        left = max(0, math.ceil((deadline.due_at - now).total_seconds() / 60))
        if left:
            message = _("【时限提醒】{number} {title}：{unit}的{label}还剩{left}分钟（{due}前）。")
        else:
            message = _("【时限提醒】{number} {title}：{unit}的{label}时限已到（{due}）。")
        message = message.replace("{left}", str(left))
    message = message.format(
        number=incident.number, title=incident.title, unit=unit, label=deadline.label, due=due
    )
    recipients = _recipients(deadline)
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user, incident=incident, kind=kind, message=message, created_at=now
            )
            for user in recipients
        ]
    )
    deadline.reminders_sent = [*deadline.reminders_sent, offset]
    if offset != LATE_NOTICE:
        deadline.reminded_at = now
    return len(recipients)


def _mark_late(deadline: Deadline, now: dt.datetime) -> None:
    deadline.status = DeadlineStatus.LATE
    deadline.late_marked_at = now
    deadline.next_check_at = None
    if LATE_NOTICE not in deadline.reminders_sent:
        _notify(deadline, LATE_NOTICE, now)
    deadline.save()
    _late_finding(deadline, at=now, now=now)
    _score_deadline(deadline)
    if deadline.kind == Requirement.DAILY:
        # Every missed day counts: the next slot is due whether or not this one comes.
        _sync(deadline.incident, now, upgrade_floor=False)


@transaction.atomic
def deadline_check(
    *, deadline_id: int, scheduled_for: dt.datetime | None = None, now: dt.datetime | None = None
) -> str:
    """Remind before due time, mark late after it. Idempotent; safe after the report came.

    Returns what happened: ``gone``, ``done`` (not pending any more), ``reminded``,
    ``late`` or ``waiting``.
    """
    now = now or timezone.now()
    deadline = (
        Deadline.objects.select_for_update(of=("self",))
        .select_related("incident__region", "responsible_unit")
        .filter(pk=deadline_id)
        .first()
    )
    if deadline is None:
        return "gone"
    if deadline.status != DeadlineStatus.PENDING:
        return "done"
    outcome = "waiting"
    if now > deadline.due_at:
        _mark_late(deadline, now)
        return "late"
    passed = [
        m
        for m in reminder_minutes()
        if deadline.due_at - dt.timedelta(minutes=m) <= now and m not in deadline.reminders_sent
    ]
    if passed:
        latest = min(passed)  # the one closest to due time; older ones are stale
        _notify(deadline, latest, now)
        deadline.reminders_sent = sorted({*deadline.reminders_sent, *passed}, reverse=True)
        deadline.save(update_fields=["reminders_sent", "reminded_at", "updated_at"])
        outcome = "reminded"
    if scheduled_for is None or scheduled_for == deadline.next_check_at:
        deadline.next_check_at = None
        schedule_check(deadline, now=now)
    return outcome


def check_overdue(*, now: dt.datetime | None = None, limit: int | None = None) -> int:
    """Mark every pending deadline past due as late (the safety net); returns how many."""
    now = now or timezone.now()
    ids = list(
        Deadline.objects.filter(status=DeadlineStatus.PENDING, due_at__lt=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    marked = 0
    for pk in ids:
        if deadline_check(deadline_id=pk, now=now) == "late":
            marked += 1
    return marked


# --- findings ----------------------------------------------------------------------------


def _suspect_missed(incident: Incident, now: dt.datetime) -> Finding | None:
    """漏报 suspected: the platform first heard of it from outside, before the unit reported."""
    if incident.source_channel not in EXTERNAL_CHANNELS:
        return None
    responsible = incident.owner_unit
    if Finding.objects.filter(
        incident=incident, kind=FindingKind.MISSED, unit=responsible
    ).exists():
        return None
    earlier = [
        r
        for r in _responsible_reports(incident, responsible)
        if r.submitted_at <= incident.received_at
    ]
    if earlier:
        return None
    from yingji.incidents.choices import SourceChannel

    finding = Finding(
        incident=incident,
        unit=responsible,
        kind=FindingKind.MISSED,
        status=FindingStatus.SUSPECTED,
        reasons=_(
            "平台首先经“{channel}”获知此事件（{at}），此前未收到{unit}的报告，疑似漏报，请核实。"
        ).format(
            channel=SourceChannel(incident.source_channel).label,
            at=timezone.localtime(incident.received_at).strftime("%Y-%m-%d %H:%M"),
            unit=responsible.name if responsible else _("责任单位"),
        ),
    )
    try:
        with transaction.atomic():
            save_with_history(finding, actor=None, reason=_("外部渠道先于责任单位报告，疑似漏报"))
    except IntegrityError:
        return None
    return finding


def _require_reasons(reasons: Any) -> str:
    from django.core.exceptions import ValidationError

    text = reasons.strip() if isinstance(reasons, str) else ""
    if not text:
        raise ValidationError({"reasons": [_("请填写认定理由。")]})
    if len(text) > 4000:
        raise ValidationError({"reasons": [_("认定理由不能超过 4000 字。")]})
    return text


def _decide(
    *, actor: Any, finding: Finding, status: str, reasons: Any, now: dt.datetime | None
) -> Finding:
    from django.core.exceptions import ValidationError

    check_scope(actor=actor, model=Finding, action="change", region=finding.incident.region)
    text = _require_reasons(reasons)
    if finding.status == status:
        raise ValidationError(
            {"status": [_("该认定已是“{status}”。").format(status=finding.get_status_display())]}
        )
    finding.status = status
    finding.reasons = f"{finding.reasons}\n{text}".strip() if finding.reasons else text
    finding.reviewer = actor
    finding.decided_at = now or timezone.now()
    verb = _("认定") if status == FindingStatus.CONFIRMED else _("排除")
    save_with_history(finding, actor=actor, reason=f"{verb}：{text}"[:100])
    _score_finding(finding)
    return finding


@transaction.atomic
def finding_confirm(
    *, actor: Any, finding: Finding, reasons: Any, now: dt.datetime | None = None
) -> Finding:
    """A reviewer confirms a suspected (or re-confirms a dismissed) finding, with reasons."""
    finding = (
        Finding.objects.select_for_update(of=("self",))
        .select_related("incident__region")
        .get(pk=finding.pk)
    )
    return _decide(
        actor=actor, finding=finding, status=FindingStatus.CONFIRMED, reasons=reasons, now=now
    )


@transaction.atomic
def finding_dismiss(
    *, actor: Any, finding: Finding, reasons: Any, now: dt.datetime | None = None
) -> Finding:
    """A reviewer dismisses a finding (e.g. the unit had reported by another channel)."""
    finding = (
        Finding.objects.select_for_update(of=("self",))
        .select_related("incident__region")
        .get(pk=finding.pk)
    )
    return _decide(
        actor=actor, finding=finding, status=FindingStatus.DISMISSED, reasons=reasons, now=now
    )


@transaction.atomic
def finding_record(
    *,
    actor: Any,
    incident: Incident,
    kind: str,
    reasons: Any,
    unit: Unit | None = None,
    evidence: str = "",
    evidence_attachment: Attachment | None = None,
    now: dt.datetime | None = None,
) -> Finding:
    """A reviewer records 瞒报 or 谎报 against a unit, with reasons (confirmed at once)."""
    from django.core.exceptions import ValidationError

    check_scope(actor=actor, model=Finding, action="add", region=incident.region)
    if kind not in MANUAL_KINDS:
        raise ValidationError(
            {"kind": [_("只能登记瞒报或谎报；迟报和漏报由平台根据时限和来源渠道生成。")]}
        )
    text = _require_reasons(reasons)
    if evidence_attachment is not None and evidence_attachment.incident_id != incident.pk:
        raise ValidationError({"evidence_attachment": [_("证据附件必须属于该事件。")]})
    if not isinstance(evidence, str) or len(evidence) > 4000:
        raise ValidationError({"evidence": [_("证据说明应为不超过 4000 字的文本。")]})
    now = now or timezone.now()
    finding = Finding(
        incident=incident,
        unit=unit or incident.owner_unit,
        kind=kind,
        status=FindingStatus.CONFIRMED,
        reasons=text,
        evidence=evidence,
        evidence_attachment=evidence_attachment,
        created_by=actor,
        reviewer=actor,
        decided_at=now,
    )
    save_with_history(
        finding, actor=actor, reason=_("登记{kind}").format(kind=finding.get_kind_display())
    )
    _score_finding(finding)
    return finding


# --- rules -------------------------------------------------------------------------------


@transaction.atomic
def rule_save(*, actor: Any, rule: DeadlineRule, reason: str = "") -> DeadlineRule:
    """Create or change a deadline rule: scope, validation (never laxer than the parent)."""
    check_scope(
        actor=actor, model=DeadlineRule, action="change" if rule.pk else "add", region=rule.region
    )
    rule.full_clean()
    return save_with_history(rule, actor=actor, reason=reason or _("修改报告时限规则"))
