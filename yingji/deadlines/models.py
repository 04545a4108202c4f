"""Reporting deadlines as data: the rules, each incident's deadlines, findings and reminders.

- ``DeadlineRule`` — one time limit of the report chain (首报、续报、日报、终报、现场联络人)
  for a severity, owned by a region: the city's defaults live in the city (370100), a
  county's stricter rule in the county. Rules are data, edited by the city administrator
  (and, stricter only, by a county), each with its source.
- ``Deadline`` — one requirement of one incident (首报（书面） of incident 20260301-00042,
  due 10:30), with its outcome: pending, met, late (迟报) or waived.
- ``Finding`` — a reporting failure of a unit on an incident: 迟报 (created by the platform
  when a deadline goes late), 漏报 (suspected by the platform, confirmed by a reviewer),
  瞒报 and 谎报 (recorded by a reviewer with reasons).

Reminders are ``incidents.Notification`` rows (kind ``deadline_reminder`` / ``deadline_late``)
sent to the responsible unit's users and the duty room.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yingji.core.models import RegionScopedModel, RestrictedManager, TimestampedModel

from .choices import (
    Anchor,
    Confidence,
    DeadlineStatus,
    FindingKind,
    FindingStatus,
    Requirement,
)

SEVERITY_CHOICES = [
    (1, _("特别重大（Ⅰ级）")),
    (2, _("重大（Ⅱ级）")),
    (3, _("较大（Ⅲ级）")),
    (4, _("一般（Ⅳ级）")),
]


class DeadlineRule(RegionScopedModel):
    """One time limit of the report chain (报告时限规定), as data.

    Example: "重大/特别重大 首报（电话） 事发后 30 分钟" from 国务院应急办 2015 (severity 2,
    requirement ``initial_phone``, anchor ``occurred_at``, 30 minutes). ``region`` is who
    made the rule: the city's defaults sit in the city, a county's stricter rule in that
    county. For an incident, the rule of the most specific region on the incident region's
    path applies (see ``rules.pick_rule``); a county rule may not be laxer than its parent's.
    """

    key = models.SlugField(
        _("规则编号"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text=_("随平台发布的默认规则的固定编号；用户新增的规则可留空。"),
    )
    name = models.CharField(_("规则名称"), max_length=128)
    severity = models.PositiveSmallIntegerField(
        _("事件级别"),
        choices=SEVERITY_CHOICES,
        null=True,
        blank=True,
        help_text=_("留空表示适用于所有级别；同一区划内指定级别的规则优先。"),
    )
    requirement = models.CharField(_("报告要求"), max_length=20, choices=Requirement.choices)
    anchor = models.CharField(
        _("起算时间"),
        max_length=20,
        choices=Anchor.choices,
        help_text=_(
            "首报和现场联络人从事发或接报起算；续报从上一次报告起算；日报从接报起算；"
            "终报从事件结束起算。"
        ),
    )
    minutes = models.PositiveIntegerField(
        _("时限（分钟）"),
        null=True,
        blank=True,
        help_text=_(
            "从起算时间起的分钟数。续报为两次报告的间隔；日报为接报后多少分钟开始要求日报。"
        ),
    )
    times_of_day = models.JSONField(
        _("日报时点"),
        default=list,
        blank=True,
        help_text=_('日报每天必须报送的时点，如 ["08:00", "17:00"]。'),
    )
    source = models.TextField(_("依据"), help_text=_("规则出处：文件名称、文号和条款。"))
    confidence = models.CharField(
        _("可信度"), max_length=12, choices=Confidence.choices, default=Confidence.VERIFIED
    )
    confidence_note = models.CharField(_("可信度说明"), max_length=255, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("报告时限规则")
        verbose_name_plural = _("报告时限规则")
        ordering = ["region__path", "requirement", "severity", "id"]
        indexes = [
            models.Index(fields=["requirement", "active"], name="deadlinerule_req_active"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__isnull=True)
                | models.Q(severity__gte=1, severity__lte=4),
                name="deadlines_rule_severity_range",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="deadlines_rule_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from .rules import validate_rule

        validate_rule(self)

    @property
    def limit_text(self) -> str:
        """The limit in words: "事发后30分钟", "每天08:00、17:00", "结束后1440分钟"."""
        from .rules import limit_text

        return limit_text(self)


class Deadline(TimestampedModel):
    """One requirement of the report chain for one incident, with its outcome.

    ``sequence`` numbers the recurring ones (续报一 = followup 1, the first 日报 = daily 1);
    the others have 0. The responsible unit is the incident's owner unit when computed.
    A met or late deadline is never moved again: a severity change recomputes pending
    deadlines only.
    """

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("突发事件"),
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    kind = models.CharField(_("报告要求"), max_length=20, choices=Requirement.choices)
    sequence = models.PositiveSmallIntegerField(_("序号"), default=0)
    responsible_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("责任单位"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    rule = models.ForeignKey(
        DeadlineRule,
        verbose_name=_("适用规则"),
        on_delete=models.SET_NULL,
        related_name="deadlines",
        null=True,
        blank=True,
    )
    basis = models.CharField(
        _("时限依据"),
        max_length=255,
        blank=True,
        help_text=_("计算时的规则摘要（规则改了也留底）。"),
    )
    anchor_at = models.DateTimeField(_("起算时间"))
    due_at = models.DateTimeField(_("截止时间"))
    status = models.CharField(
        _("状态"), max_length=12, choices=DeadlineStatus.choices, default=DeadlineStatus.PENDING
    )
    met_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        "incidents.Report",
        verbose_name=_("对应报告"),
        on_delete=models.SET_NULL,
        related_name="deadlines_fulfilled",
        null=True,
        blank=True,
    )
    late_minutes = models.PositiveIntegerField(_("超时（分钟）"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("最近提醒时间"), null=True, blank=True)
    late_marked_at = models.DateTimeField(_("标记迟报时间"), null=True, blank=True)
    waived_reason = models.CharField(_("免报原因"), max_length=255, blank=True)
    # Reminder offsets (minutes before due; -1 = the late notice) already sent: a task
    # that runs twice reminds once.
    reminders_sent = models.JSONField(_("已发提醒"), default=list, blank=True, editable=False)
    # The time of the one scheduled check task this deadline expects (older ones stop).
    next_check_at = models.DateTimeField(_("下次检查时间"), null=True, blank=True, editable=False)

    region_scope: ClassVar[str] = "incident__region__path"
    objects: ClassVar[Any] = RestrictedManager()

    class Meta:
        verbose_name = _("报告时限")
        verbose_name_plural = _("报告时限")
        ordering = ["due_at", "id"]
        indexes = [
            # The duty board: the open deadlines (pending, or late and still unreported) of
            # many incidents, by due time (``selectors.OPEN`` is the same condition).
            models.Index(
                fields=["incident", "due_at"],
                condition=models.Q(status="pending") | models.Q(status="late", met_at__isnull=True),
                name="deadline_open_incident",
            ),
            # The safety net and "overdue" lists: pending deadlines past due.
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="pending"),
                name="deadline_pending_due",
            ),
            models.Index(fields=["status", "due_at"], name="deadline_status_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "kind", "sequence"], name="deadlines_deadline_unique_step"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        """首报（书面） / 续报二 / 日报3 / 终报."""
        from yingji.incidents.models import chinese_number

        if self.kind == Requirement.FOLLOWUP and self.sequence:
            return f"续报{chinese_number(self.sequence)}"
        if self.kind == Requirement.DAILY and self.sequence:
            return f"日报{self.sequence}"
        return str(Requirement(self.kind).label)

    @property
    def is_overdue_unmet(self) -> bool:
        return self.status == DeadlineStatus.LATE and self.met_at is None


class Finding(TimestampedModel):
    """A reporting failure (迟报、漏报、瞒报、谎报) of a unit on an incident.

    迟报 is created by the platform, confirmed, when a deadline goes late; 漏报 is created
    as suspected when the platform first learned of the incident from outside (public,
    media, higher authority, neighbouring city) before the responsible unit reported;
    瞒报 and 谎报 are recorded by a reviewer with reasons. Reviewers confirm or dismiss
    with reasons; every decision is in the history.
    """

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("突发事件"),
        on_delete=models.PROTECT,
        related_name="findings",
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("责任单位"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("类型"), max_length=12, choices=FindingKind.choices)
    status = models.CharField(
        _("认定状态"),
        max_length=12,
        choices=FindingStatus.choices,
        default=FindingStatus.SUSPECTED,
    )
    deadline = models.ForeignKey(
        Deadline,
        verbose_name=_("对应时限"),
        on_delete=models.PROTECT,
        related_name="findings",
        null=True,
        blank=True,
    )
    reasons = models.TextField(_("认定理由"), blank=True)
    evidence = models.TextField(_("证据说明"), blank=True)
    evidence_attachment = models.ForeignKey(
        "incidents.Attachment",
        verbose_name=_("证据附件"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("为空表示由平台自动生成。"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("认定人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("认定时间"), null=True, blank=True)

    history = HistoricalRecords()

    region_scope: ClassVar[str] = "incident__region__path"
    objects: ClassVar[Any] = RestrictedManager()

    class Meta:
        verbose_name = _("迟报漏报认定")
        verbose_name_plural = _("迟报漏报认定")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "kind"], name="finding_status_kind")]
        constraints = [
            # One 迟报 per deadline, one suspected-or-decided 漏报 per incident and unit.
            models.UniqueConstraint(
                fields=["deadline"],
                condition=models.Q(kind="late"),
                name="deadlines_finding_one_late_per_deadline",
            ),
            models.UniqueConstraint(
                fields=["incident", "unit"],
                condition=models.Q(kind="missed"),
                name="deadlines_finding_one_missed_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.get_status_display()}）"
