"""Scoring of incident information reporting (评分办法), score entries and notices (通报)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yingji.core.models import (
    ACTIONS,
    RegionScopedModel,
    RestrictedQuerySet,
    TimestampedModel,
    permission_name,
)

from .choices import AppliesTo, NoticeStatus, Period, SourceKind, Trigger

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.accounts.models import User

SEVERITY_KEYS = ("1", "2", "3", "4")
TOP_LEVELS = ("province", "city")


def ancestor_paths(path: str) -> list[str]:
    """``/370000/370100/370102/`` → the paths of itself and every region above it."""
    codes = [code for code in path.split("/") if code]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def is_top_level(user: Any) -> bool:
    """A user whose unit sits in a city (or province) region: may edit city-wide rules."""
    if user.is_superuser:
        return True
    region = getattr(user, "region", None)
    return region is not None and region.level in TOP_LEVELS


class ScoringRuleQuerySet(RestrictedQuerySet):
    """Rules are public to the regions they apply to.

    A user sees the platform-wide rules (no region), the rules of their own region and of
    every region above it (those are the rules they are scored by), and the rules of the
    regions below them. They change only the rules of their own region and below; the
    platform-wide rules are changed by a city-level user whose role allows it.
    """

    def restrict(
        self, user: User | AnonymousUser | None, action: str = "view"
    ) -> RestrictedQuerySet:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if not user.has_perm(permission_name(self.model, action)):
            return self.none()
        if user.is_superuser:
            return self
        scope = getattr(user, "scope_path", None)
        if not scope:
            return self.none()
        below = Q(region__path__startswith=scope)
        if action == "view":
            return self.filter(
                below | Q(region__isnull=True) | Q(region__path__in=ancestor_paths(scope))
            )
        if is_top_level(user):
            return self.filter(below | Q(region__isnull=True))
        return self.filter(below)


class ScoringRule(TimestampedModel):
    """One clause of the scoring rules (评分办法) for incident information reporting.

    A clause gives or takes ``points`` when ``trigger`` happens (a deadline met, a late
    report, a confirmed missed report …), to the unit, the information officer or both,
    optionally multiplied by the incident's severity. Clauses are versioned by
    ``valid_from``/``valid_to`` so that last year's scores keep last year's rules: a change
    of points is a new clause from a new date, not an edit of the old one. ``region`` empty
    means the clause applies everywhere; a clause of a region overrides the wider one for
    the same trigger and target inside that region.
    """

    name = models.CharField(_("条款名称"), max_length=128)
    trigger = models.CharField(_("触发情形"), max_length=24, choices=Trigger.choices)
    points = models.DecimalField(
        _("分值"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("-1000")), MaxValueValidator(Decimal("1000"))],
        help_text=_("加分为正，扣分为负。"),
    )
    applies_to = models.CharField(
        _("计分对象"), max_length=8, choices=AppliesTo.choices, default=AppliesTo.UNIT
    )
    severity_multipliers = models.JSONField(
        _("按事件级别的倍数"),
        default=dict,
        blank=True,
        help_text=_(
            '可选，例如 {"1": 3, "2": 2, "3": 1.5}：键为事件级别（1 特别重大 … 4 一般），未列出的级别按 1 倍。'
        ),
    )
    region = models.ForeignKey(
        "geo.Region",
        verbose_name=_("适用区划"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("留空表示全市通用。"),
    )
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(
        _("失效日期"), null=True, blank=True, help_text=_("含当日；留空表示长期有效。")
    )
    source = models.TextField(_("依据与说明"), blank=True)
    is_default = models.BooleanField(
        _("默认示例"), default=False, help_text=_("平台预置的示例条款，不是济南市的正式规定。")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    history = HistoricalRecords()

    region_scope: ClassVar[str] = "region__path"
    objects: ClassVar[Any] = ScoringRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("评分条款")
        verbose_name_plural = _("评分办法")
        ordering = ["trigger", "applies_to", "-valid_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="scoring_rule_valid_range",
            ),
        ]
        indexes = [models.Index(fields=["trigger", "valid_from"], name="scoring_rule_trigger")]

    def __str__(self) -> str:
        return f"{self.name}（{self.points:+}）"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[str]] = {}
        multipliers = self.severity_multipliers
        if multipliers in (None, ""):
            self.severity_multipliers = multipliers = {}
        if not isinstance(multipliers, dict):
            errors["severity_multipliers"] = [str(_('应为对象，例如 {"1": 3, "2": 2}。'))]
        else:
            for key, value in multipliers.items():
                if str(key) not in SEVERITY_KEYS:
                    errors.setdefault("severity_multipliers", []).append(
                        str(_("事件级别只能是 1、2、3、4：%(key)s")) % {"key": key}
                    )
                elif (
                    isinstance(value, bool)
                    or not isinstance(value, int | float)
                    or not (0 <= value <= 100)
                ):
                    errors.setdefault("severity_multipliers", []).append(
                        str(_("倍数应为 0 到 100 之间的数：%(key)s")) % {"key": key}
                    )
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = [str(_("失效日期不能早于生效日期。"))]
        if not errors and self.valid_from and self.trigger and self.applies_to:
            clash = self.overlapping().first()
            if clash is not None:
                errors["valid_from"] = [
                    str(
                        _(
                            "与同一区划、同一情形的条款“%(name)s”有效期重叠；请先为旧条款设置失效日期。"
                        )
                    )
                    % {"name": clash.name}
                ]
        if errors:
            raise ValidationError(errors)

    def overlapping(self) -> models.QuerySet[ScoringRule]:
        """Active clauses of the same region and trigger that score the same target at the same time."""
        targets = {
            AppliesTo.UNIT: (AppliesTo.UNIT, AppliesTo.BOTH),
            AppliesTo.OFFICER: (AppliesTo.OFFICER, AppliesTo.BOTH),
            AppliesTo.BOTH: tuple(AppliesTo.values),
        }[AppliesTo(self.applies_to)]
        others = ScoringRule.objects.filter(
            trigger=self.trigger, applies_to__in=targets, is_active=True
        ).exclude(pk=self.pk)
        others = (
            others.filter(region=self.region)
            if self.region_id
            else others.filter(region__isnull=True)
        )
        others = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from))
        if self.valid_to is not None:
            others = others.filter(valid_from__lte=self.valid_to)
        return others if self.is_active else others.none()

    def multiplier_for(self, severity: int | None) -> Decimal:
        if severity is None or not isinstance(self.severity_multipliers, dict):
            return Decimal(1)
        value = self.severity_multipliers.get(str(severity))
        return Decimal(str(value)) if value is not None else Decimal(1)


class ScoreEntry(RegionScopedModel):
    """One line of the scoring ledger (计分记录): points given or taken, and why.

    Entries are never edited or deleted: undoing one (a finding dismissed after it was
    confirmed) adds a compensating entry that ``reverses`` it. ``region`` is the scored
    unit's region, so a county sees only its own scores. ``(rule, source_kind, source_id,
    generation)`` is unique, so a replayed hook never counts twice.
    """

    rule = models.ForeignKey(
        ScoringRule, verbose_name=_("评分条款"), on_delete=models.PROTECT, related_name="entries"
    )
    trigger = models.CharField(_("触发情形"), max_length=24, choices=Trigger.choices)
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("计分单位"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("信息员（填报人）"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    counts_for_unit = models.BooleanField(_("计入单位得分"), default=True)
    counts_for_officer = models.BooleanField(_("计入信息员得分"), default=False)
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("突发事件"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    report = models.ForeignKey(
        "incidents.Report",
        verbose_name=_("报告"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    source_kind = models.CharField(_("来源类型"), max_length=12, choices=SourceKind.choices)
    source_id = models.PositiveBigIntegerField(_("来源编号"))
    generation = models.PositiveSmallIntegerField(_("序次"), default=1)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲销的记录"),
        on_delete=models.PROTECT,
        related_name="reversed_by",
        null=True,
        blank=True,
    )
    severity = models.PositiveSmallIntegerField(_("事件级别"), null=True, blank=True)
    base_points = models.DecimalField(_("条款分值"), max_digits=6, decimal_places=1)
    multiplier = models.DecimalField(_("倍数"), max_digits=6, decimal_places=2, default=1)
    points = models.DecimalField(_("得分"), max_digits=8, decimal_places=1)
    occurred_at = models.DateTimeField(_("计分时间"), db_index=True)
    late_minutes = models.PositiveIntegerField(_("超时（分钟）"), null=True, blank=True)
    reason = models.TextField(_("计分事由"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("计分记录")
        verbose_name_plural = _("计分记录")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "source_kind", "source_id", "generation"],
                name="scoring_entry_once_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["source_kind", "source_id"], name="scoring_entry_source"),
        ]

    def __str__(self) -> str:
        who = self.unit or self.reported_by or "—"
        return f"{who} {self.get_trigger_display()} {self.points:+}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


def notice_upload_path(instance: Notice, filename: str) -> str:
    return f"scoring/notices/{instance.year}/{filename}"


class Notice(RegionScopedModel):
    """A notice (通报) on incident information reporting for a month, quarter or year.

    Generated as a Word document from the score ledger (praise list, criticism list,
    ranking table) and kept: a draft may be regenerated, an issued notice is final.
    ``region`` is the issuing authority's region (the city); counties do not see the
    city's notices, which name every county's scores.
    """

    kind = models.CharField(_("通报周期"), max_length=8, choices=Period.choices)
    year = models.PositiveSmallIntegerField(
        _("年份"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    number = models.PositiveSmallIntegerField(
        _("月份/季度"), default=0, help_text=_("月度通报为月份，季度通报为季度，年度通报为 0。")
    )
    title = models.CharField(_("标题"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=8, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    issued_by = models.CharField(_("印发单位"), max_length=128)
    generated_at = models.DateTimeField(_("生成时间"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    issued_at = models.DateTimeField(_("印发时间"), null=True, blank=True)
    file = models.FileField(_("通报文件"), upload_to=notice_upload_path, max_length=255)
    summary = models.JSONField(_("摘要"), default=dict, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-year", "-number", "-generated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind", "year", "number"],
                condition=Q(status="issued"),
                name="scoring_notice_one_issued_per_period",
            ),
        ]

    def __str__(self) -> str:
        return self.title
