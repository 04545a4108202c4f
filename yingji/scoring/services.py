"""Writes of the scoring domain: the ledger of points, rules and notices.

The three hooks ``score_on_deadline``, ``score_on_finding`` and ``score_on_report`` are
called by the deadlines and incidents services after their transaction commits. Each one
*reconciles*: it works out which clauses the source object deserves now, adds the entries
that are missing and reverses (with a compensating entry, never a deletion) those that no
longer apply. Calling a hook twice, or replaying it after a crash, changes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from yingji.core import versioned
from yingji.core.batch import BatchMemo
from yingji.core.inserts import Prepared, prepare_with_history
from yingji.core.services import check_scope, save_with_history
from yingji.core.versioned import Versioned
from yingji.geo.models import Region

from .choices import NoticeStatus, SourceKind, Trigger
from .models import Notice, ScoreEntry, ScoringRule, is_top_level
from .rules import active_rules, applicable_rules, applicable_rules_among

SYSTEM_REASON = "系统计分"
ONE_DECIMAL = Decimal("0.1")

# Findings (deadlines.Finding.kind) and the clause each one triggers once confirmed.
FINDING_TRIGGERS = {
    "late": Trigger.REPORT_LATE,
    "missed": Trigger.REPORT_MISSED,
    "concealed": Trigger.REPORT_CONCEALED,
    "false": Trigger.REPORT_FALSE,
}

# Content fields of an initial report (首报) that must all be filled for it to count as
# complete (standards.md §3.2): source, place, nature, scope, casualties and loss, trend,
# leaders on scene, measures taken, and the person in charge on scene with a phone. The
# times (事发时间、接报时间) are on the incident and always present.
INITIAL_REQUIRED_FIELDS = (
    "source_info",
    "location_text",
    "nature",
    "scope_of_impact",
    "deaths",
    "injuries",
    "direct_loss",
    "trend",
    "leaders_on_scene",
    "measures_taken",
    "scene_contact_name",
    "scene_contact_phone",
)


@dataclass
class Outcome:
    """What a source object deserves: one trigger and the facts an entry records."""

    trigger: str
    unit: Any
    reported_by: Any
    incident: Any
    report: Any
    occurred_at: datetime
    reason: str
    late_minutes: int | None = None


# Scoring clauses per (trigger, region, day), read once per worker batch (decision 0013).
_RULES: BatchMemo[tuple[str, str | None, Any], list[Any]] = BatchMemo("scoring_rules")


@contextlib.contextmanager
def rules_cached() -> Iterator[None]:
    with _RULES.active(), _ALL_RULES.active(), versioned.batch():
        yield


# Every active clause, read once per batch of intakes (``entries_planned``); None: not read.
_ALL_RULES: BatchMemo[str, list[ScoringRule]] = BatchMemo("scoring_rules_all")
# ... and kept in the process while the clauses and regions are unchanged (decision 0020).
_ACTIVE_RULES = Versioned("scoring_rules", (ScoringRule, Region), active_rules)


def _applicable(trigger: str, region: Any, on: Any, *, among: bool = False) -> list[Any]:
    """``among``: pick from every active clause read once (a batch with many regions and
    days) instead of one query per (trigger, region, day)."""
    key = (trigger, region.path if region is not None else None, on)
    if among:
        return _RULES.get(
            key,
            lambda: applicable_rules_among(
                _ALL_RULES.get("all", _ACTIVE_RULES.get), trigger=trigger, region=region, on=on
            ),
        )
    return _RULES.get(key, lambda: applicable_rules(trigger=trigger, region=region, on=on))


# -- the reconciler --------------------------------------------------------------------------


def _points(base: Decimal, multiplier: Decimal) -> Decimal:
    return (base * multiplier).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _region_of(outcome: Outcome) -> Any:
    if outcome.unit is not None:
        return outcome.unit.region
    if outcome.incident is not None:
        return outcome.incident.region
    return None


def _add(entry: ScoreEntry) -> ScoreEntry | None:
    """Insert ``entry`` unless a concurrent replay already did (the unique key decides)."""
    try:
        with transaction.atomic():
            return save_with_history(entry, actor=None, reason=SYSTEM_REASON)
    except IntegrityError:
        return None


def _reversal_of(entry: ScoreEntry, generation: int) -> ScoreEntry:
    return ScoreEntry(
        rule_id=entry.rule_id,
        trigger=entry.trigger,
        unit_id=entry.unit_id,
        reported_by_id=entry.reported_by_id,
        counts_for_unit=entry.counts_for_unit,
        counts_for_officer=entry.counts_for_officer,
        incident_id=entry.incident_id,
        report_id=entry.report_id,
        source_kind=entry.source_kind,
        source_id=entry.source_id,
        generation=generation,
        reverses=entry,
        severity=entry.severity,
        base_points=entry.base_points,
        multiplier=entry.multiplier,
        points=-entry.points,
        # Dated like the entry it undoes, so the period it counted in is corrected.
        occurred_at=entry.occurred_at,
        late_minutes=entry.late_minutes,
        reason=_("冲销：%(reason)s") % {"reason": entry.reason},
        region_id=entry.region_id,
        owner_unit_id=entry.owner_unit_id,
    )


def _planned(
    applicable: Any, outcome: Outcome, *, source_kind: str, source_id: int
) -> ScoreEntry | None:
    rule = applicable.rule
    region = _region_of(outcome)
    if region is None:
        return None
    severity = outcome.incident.severity if outcome.incident is not None else None
    multiplier = rule.multiplier_for(severity)
    for_officer = applicable.for_officer and outcome.reported_by is not None
    return ScoreEntry(
        rule=rule,
        trigger=outcome.trigger,
        unit=outcome.unit,
        reported_by=outcome.reported_by if for_officer else None,
        counts_for_unit=applicable.for_unit and outcome.unit is not None,
        counts_for_officer=for_officer,
        incident=outcome.incident,
        report=outcome.report,
        source_kind=source_kind,
        source_id=source_id,
        severity=severity,
        base_points=rule.points,
        multiplier=multiplier,
        points=_points(rule.points, multiplier),
        occurred_at=outcome.occurred_at,
        late_minutes=outcome.late_minutes,
        reason=outcome.reason,
        region=region,
        owner_unit=outcome.unit,
    )


def _same_target(entry: ScoreEntry, plan: ScoreEntry) -> bool:
    return (
        entry.unit_id == plan.unit_id
        and entry.reported_by_id == plan.reported_by_id
        and entry.counts_for_unit == plan.counts_for_unit
        and entry.counts_for_officer == plan.counts_for_officer
    )


def _wanted(
    *, source_kind: str, source_id: int, outcomes: list[Outcome], among: bool = False
) -> dict[int, ScoreEntry]:
    """Rule id → the entry ``outcomes`` deserve under the clauses in force (unsaved)."""
    wanted: dict[int, ScoreEntry] = {}
    for outcome in outcomes:
        on = timezone.localtime(outcome.occurred_at).date()
        region = _region_of(outcome)
        for applicable in _applicable(outcome.trigger, region, on, among=among):
            plan = _planned(applicable, outcome, source_kind=source_kind, source_id=source_id)
            if plan is not None and (plan.counts_for_unit or plan.counts_for_officer):
                wanted[applicable.rule.pk] = plan
    return wanted


def entries_planned(
    *, source_kind: str, source_id: int, outcomes: list[Outcome]
) -> list[ScoreEntry]:
    """The entries ``_reconcile`` adds for a source that has none yet (unsaved; a batch
    inserts them with ``entries_create``): each wanted entry, first generation."""
    planned = list(
        _wanted(
            source_kind=source_kind, source_id=source_id, outcomes=outcomes, among=True
        ).values()
    )
    for entry in planned:
        entry.generation = 1
    return planned


def entries_prepared(
    *, source_kind: str, source: Callable[[], int], outcomes: list[Outcome]
) -> list[Prepared]:
    """``entries_planned`` for a source not written yet (an intake's deadline or incident,
    decision 0020): the entries and their history rows prepared for ``core.inserts``,
    the source's id taken from ``source`` when they are written."""
    rows: list[Prepared] = []
    for entry in entries_planned(source_kind=source_kind, source_id=0, outcomes=outcomes):
        rows += prepare_with_history(
            entry, actor=None, reason=SYSTEM_REASON, late={"source_id": source}
        )
    return rows


def entries_create(entries: list[ScoreEntry]) -> None:
    """Insert planned entries with their history rows, as ``_add`` does one by one."""
    if entries:
        bulk_create_with_history(entries, ScoreEntry, default_change_reason=SYSTEM_REASON)


def _reconcile(*, source_kind: str, source_id: int, outcomes: list[Outcome]) -> list[ScoreEntry]:
    """Make the ledger for one source match ``outcomes``; return the entries added."""
    existing = sorted(
        # Only rule ids are read: the rule is not joined. Sorted here, not by an ORDER BY.
        ScoreEntry.objects.select_for_update()
        .filter(source_kind=source_kind, source_id=source_id)
        .order_by(),
        key=lambda e: (e.generation, e.pk),
    )
    reversed_ids = {e.reverses_id for e in existing if e.reverses_id is not None}
    active = {e.rule_id: e for e in existing if e.reverses_id is None and e.pk not in reversed_ids}
    generations: dict[int, int] = {}
    for e in existing:
        generations[e.rule_id] = max(generations.get(e.rule_id, 0), e.generation)

    wanted = _wanted(source_kind=source_kind, source_id=source_id, outcomes=outcomes)
    added: list[ScoreEntry] = []

    def next_generation(rule_id: int) -> int:
        generations[rule_id] = generations.get(rule_id, 0) + 1
        return generations[rule_id]

    for rule_id, entry in active.items():
        plan = wanted.get(rule_id)
        if plan is not None and _same_target(entry, plan):
            # The same outcome; its description may have grown (a late report that finally
            # arrived): keep the text current, never the points.
            if entry.reason != plan.reason or entry.late_minutes != plan.late_minutes:
                entry.reason = plan.reason
                entry.late_minutes = plan.late_minutes
                if plan.report_id is not None and entry.report_id is None:
                    entry.report_id = plan.report_id
                save_with_history(entry, actor=None, reason=SYSTEM_REASON)
            del wanted[rule_id]
            continue
        # No longer deserved, or now due to someone else: undo it (a new entry follows).
        reversal = _reversal_of(entry, next_generation(rule_id))
        if _add(reversal) is not None:
            added.append(reversal)

    for rule_id, plan in wanted.items():
        plan.generation = next_generation(rule_id)
        if _add(plan) is not None:
            added.append(plan)
    return added


# -- facts from other apps -------------------------------------------------------------------


def _minutes(delta: Any) -> int:
    return max(0, int(delta.total_seconds() // 60))


def _responsible_unit(incident: Any, report: Any = None, explicit: Any = None) -> Any:
    # In order, and only as far as needed: each later one may be a query.
    if explicit is not None:
        return explicit
    if report is not None and getattr(report, "unit_id", None) is not None:
        return report.unit
    if incident is None:
        return None
    if incident.owner_unit_id is not None:
        return incident.owner_unit
    return incident.reporting_unit


def _fmt(when: datetime) -> str:
    return f"{timezone.localtime(when):%m月%d日%H:%M}"


def late_text(minutes: int) -> str:
    """35 → 35分钟; 130 → 2小时10分钟; 1500 → 1天1小时."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d天") % {"n": days})
    if hours:
        parts.append(_("%(n)d小时") % {"n": hours})
    if mins or not parts:
        parts.append(_("%(n)d分钟") % {"n": mins})
    return "".join(parts)


def _late_dismissed(deadline: Any) -> bool:
    """Whether a reviewer dismissed the 迟报 finding of ``deadline`` (a justified delay)."""
    from yingji.deadlines.choices import FindingKind, FindingStatus

    findings = deadline.findings.filter(kind=FindingKind.LATE)
    statuses = set(findings.values_list("status", flat=True))
    return FindingStatus.DISMISSED in statuses and FindingStatus.CONFIRMED not in statuses


@transaction.atomic
def score_on_deadline(*, deadline: Any, now: datetime | None = None) -> list[ScoreEntry]:
    """Score a deadline (``deadlines.Deadline``) that was met (按时) or went late (迟报).

    Met: the on-time clause; late: the late clause, with how late it was in the reason.
    Any other status (pending, waived), or a late one whose 迟报 finding a reviewer
    dismissed, deserves nothing, and undoes whatever was given before.
    """
    outcomes = deadline_outcomes(deadline=deadline, now=now or timezone.now())
    return _reconcile(source_kind=SourceKind.DEADLINE, source_id=deadline.pk, outcomes=outcomes)


def deadline_outcomes(*, deadline: Any, now: datetime) -> list[Outcome]:
    """What a deadline deserves now (``score_on_deadline``; no write)."""
    from yingji.deadlines.choices import DeadlineStatus

    incident = deadline.incident
    report = deadline.fulfilled_by
    unit = _responsible_unit(incident, report, deadline.responsible_unit)
    reported_by = report.submitted_by if report is not None else None
    due_at = deadline.due_at
    done_at = deadline.met_at
    label = deadline.label
    outcomes: list[Outcome] = []
    if deadline.status == DeadlineStatus.MET:
        outcomes.append(
            Outcome(
                trigger=Trigger.REPORT_ON_TIME,
                unit=unit,
                reported_by=reported_by,
                incident=incident,
                report=report,
                occurred_at=due_at,
                reason=_("“%(title)s”%(what)s按时报送（时限%(due)s）")
                % {"title": incident.title, "what": label, "due": _fmt(due_at)},
            )
        )
    elif deadline.status == DeadlineStatus.LATE and not _late_dismissed(deadline):
        late_by = deadline.late_minutes
        if late_by is None:
            late_by = _minutes((done_at or now) - due_at)
        if done_at is not None:
            reason = _("“%(title)s”%(what)s迟报%(late)s（时限%(due)s，%(done)s报送）") % {
                "title": incident.title,
                "what": label,
                "late": late_text(late_by),
                "due": _fmt(due_at),
                "done": _fmt(done_at),
            }
        else:
            reason = _("“%(title)s”%(what)s逾期未报（时限%(due)s）") % {
                "title": incident.title,
                "what": label,
                "due": _fmt(due_at),
            }
        outcomes.append(
            Outcome(
                trigger=Trigger.REPORT_LATE,
                unit=unit,
                reported_by=reported_by,
                incident=incident,
                report=report,
                occurred_at=due_at,
                reason=reason,
                late_minutes=late_by if done_at is not None else None,
            )
        )
    return outcomes


@transaction.atomic
def score_on_finding(*, finding: Any) -> list[ScoreEntry]:
    """Score a finding (``deadlines.Finding``) of a late, missed, concealed or false report.

    Only a confirmed finding costs points. A finding dismissed after it was confirmed
    gets a compensating entry. A 迟报 finding of a deadline is scored through the deadline
    (``score_on_deadline``), so it never costs twice; dismissing it gives the points back.
    """
    from yingji.deadlines.choices import FindingStatus

    kind = str(finding.kind)
    if kind == "late" and finding.deadline_id is not None:
        return score_on_deadline(deadline=finding.deadline)
    trigger = FINDING_TRIGGERS.get(kind)
    outcomes: list[Outcome] = []
    if trigger is not None and finding.status == FindingStatus.CONFIRMED:
        incident = finding.incident
        unit = _responsible_unit(incident, None, finding.unit)
        when = finding.decided_at or finding.updated_at or timezone.now()
        label = str(Trigger(trigger).label)
        why = (finding.reasons or "").strip().splitlines()
        reason = _("“%(title)s”经认定为%(label)s") % {"title": incident.title, "label": label}
        if why:
            reason = f"{reason}：{why[0]}"
        outcomes.append(
            Outcome(
                trigger=trigger,
                unit=unit,
                reported_by=None,
                incident=incident,
                report=None,
                occurred_at=when,
                reason=reason,
            )
        )
    return _reconcile(source_kind=SourceKind.FINDING, source_id=finding.pk, outcomes=outcomes)


def report_is_complete(report: Any) -> bool:
    """Whether every mandatory content field of an initial report is filled (§3.2).

    The place counts as given when the report names it or the incident has an address or
    a map point (intake keeps the place on the incident).
    """
    incident = report.incident
    for name in INITIAL_REQUIRED_FIELDS:
        value = getattr(report, name, None)
        if name == "location_text" and not (value or "").strip():
            value = incident.address or ("point" if incident.lon is not None else "")
        if value is None or (isinstance(value, str) and not value.strip()):
            return False
    return True


@transaction.atomic
def score_on_report(*, report: Any) -> list[ScoreEntry]:
    """Score a report for its content: a complete initial report, a final report.

    Counted once per incident each: the first complete initial report (phone or written)
    earns the completeness clause; the final report (终报) earns the final-report clause.
    """
    from yingji.incidents.choices import ReportKind
    from yingji.incidents.models import Report

    incident = report.incident
    if report.kind == ReportKind.INITIAL:
        initials = list(
            Report.objects.filter(incident=incident, kind=ReportKind.INITIAL)
            .select_related("unit__region", "submitted_by")
            .defer("unit__region__boundary")  # an outline is tens of kB of GeoJSON
            .order_by()  # sorted by initial_outcomes: an ORDER BY here costs more to build
        )
        outcomes = initial_outcomes(incident=incident, initials=initials)
        return _reconcile(source_kind=SourceKind.INITIAL, source_id=incident.pk, outcomes=outcomes)
    if report.kind == ReportKind.FINAL:
        final = (
            Report.objects.filter(incident=incident, kind=ReportKind.FINAL)
            .order_by("submitted_at", "id")
            .first()
        )
        outcomes = []
        if final is not None:
            reason = _("“%(title)s”报送终报") % {"title": incident.title}
            outcomes.append(_report_outcome(Trigger.FINAL_REPORT, incident, final, reason))
        return _reconcile(source_kind=SourceKind.FINAL, source_id=incident.pk, outcomes=outcomes)
    return []


def initial_outcomes(*, incident: Any, initials: list[Any]) -> list[Outcome]:
    """What an incident's initial reports (首报, with their unit and reporter) deserve: the
    first complete one, the completeness clause (``score_on_report``; no write)."""
    initials = sorted(initials, key=lambda r: (r.submitted_at, r.pk))
    for initial in initials:
        initial.incident = incident  # read by report_is_complete: not once more each
    complete = next((r for r in initials if report_is_complete(r)), None)
    if complete is None:
        return []
    reason = _("“%(title)s”首报要素齐全") % {"title": incident.title}
    return [_report_outcome(Trigger.REPORT_COMPLETE, incident, complete, reason)]


def _report_outcome(trigger: Any, incident: Any, report: Any, reason: str) -> Outcome:
    """The outcome a report earns its responsible unit and reporter, at its submission."""
    return Outcome(
        trigger=trigger,
        unit=_responsible_unit(incident, report),
        reported_by=report.submitted_by,
        incident=incident,
        report=report,
        occurred_at=report.submitted_at,
        reason=reason,
    )


@transaction.atomic
def score_quality_bonus(*, actor: Any, report: Any, reason: str) -> list[ScoreEntry]:
    """A reviewer's bonus for a report of good quality (信息质量加分), once per report."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请写明加分理由。")]})
    incident = report.incident
    check_scope(actor=actor, model=ScoreEntry, action="add", region=incident.region)
    outcome = Outcome(
        trigger=Trigger.QUALITY_BONUS,
        unit=_responsible_unit(incident, report),
        reported_by=report.submitted_by,
        incident=incident,
        report=report,
        occurred_at=report.submitted_at,
        reason=_("“%(title)s”%(label)s质量加分：%(reason)s")
        % {"title": incident.title, "label": report.label, "reason": reason},
    )
    return _reconcile(source_kind=SourceKind.REPORT, source_id=report.pk, outcomes=[outcome])


# -- rules -----------------------------------------------------------------------------------


def _check_rule_scope(*, actor: Any, region: Any, action: str) -> None:
    if actor is None:
        return
    if region is None:
        if not actor.has_perm(f"scoring.{action}_scoringrule"):
            raise PermissionDenied(_("您的角色没有这项权限。"))
        if not is_top_level(actor):
            raise PermissionDenied(_("全市通用的评分条款只能由市级管理员修改。"))
        return
    check_scope(actor=actor, model=ScoringRule, action=action, region=region)


@transaction.atomic
def rule_create(*, actor: Any, **fields: Any) -> ScoringRule:
    """Add a clause to the scoring rules (in the actor's region or city-wide)."""
    rule = ScoringRule(**fields)
    _check_rule_scope(actor=actor, region=rule.region, action="add")
    rule.full_clean()
    return save_with_history(rule, actor=actor, reason=_("新增评分条款"))


@transaction.atomic
def rule_update(*, actor: Any, rule: ScoringRule, **fields: Any) -> ScoringRule:
    """Change a clause. Entries already made keep the points they were given."""
    for region in (rule.region, fields.get("region", rule.region)):
        _check_rule_scope(actor=actor, region=region, action="change")
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.full_clean()
    return save_with_history(rule, actor=actor, reason=_("修改评分条款"))


# -- notices ---------------------------------------------------------------------------------


@transaction.atomic
def notice_generate(
    *,
    actor: Any,
    kind: str,
    year: int,
    number: int,
    issued_by: str = "",
    now: datetime | None = None,
) -> Notice:
    """Generate the notice (通报) of a period as a Word document and keep it as a draft."""
    from .notices import notice_docx, notice_title
    from .selectors import parse_period

    kind, year, number = parse_period(kind, year, number)
    region = getattr(actor, "region", None)
    if region is None:
        raise PermissionDenied(_("您的账号尚未关联单位，不能生成通报。"))
    check_scope(actor=actor, model=Notice, action="add", region=region)
    issued_by = (issued_by or "").strip() or (actor.unit.name if actor.unit else "")
    if len(issued_by) > 128:
        raise ValidationError({"issued_by": [_("印发单位名称过长。")]})
    content, summary = notice_docx(
        kind=kind, year=year, number=number, issued_by=issued_by, region=region, now=now
    )
    now = now or timezone.now()
    notice = Notice(
        region=region,
        owner_unit=actor.unit,
        kind=kind,
        year=year,
        number=number,
        title=notice_title(kind, year, number),
        issued_by=issued_by,
        generated_at=now,
        generated_by=actor,
        summary=summary,
    )
    stamp = timezone.localtime(now).strftime("%Y%m%d%H%M%S")
    notice.file.save(
        f"notice-{kind}-{year}-{number:02d}-{stamp}.docx", ContentFile(content), save=False
    )
    return save_with_history(notice, actor=actor, reason=_("生成通报"))


@transaction.atomic
def notice_issue(*, actor: Any, notice: Notice, now: datetime | None = None) -> Notice:
    """Mark a draft notice as issued (印发); it is then the period's notice of record."""
    check_scope(actor=actor, model=Notice, action="change", region=notice.region)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status == NoticeStatus.ISSUED:
        raise ValidationError({"status": [_("该通报已印发。")]})
    clash = Notice.objects.filter(
        region=notice.region,
        kind=notice.kind,
        year=notice.year,
        number=notice.number,
        status=NoticeStatus.ISSUED,
    ).exists()
    if clash:
        raise ValidationError({"status": [_("本期已有印发的通报，不能重复印发。")]})
    notice.status = NoticeStatus.ISSUED
    notice.issued_at = now or timezone.now()
    return save_with_history(notice, actor=actor, reason=_("印发通报"))
