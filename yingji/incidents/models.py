"""Incidents (突发事件), events that group them, the report chain and attachments."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yingji.core.history import LeanHistoricalRecords
from yingji.core.models import RegionScopedModel, RestrictedManager, TimestampedModel
from yingji.geo.located import LocatedModel

from .choices import (
    AttachmentKind,
    IncidentStatus,
    ReportKind,
    ReportMode,
    Severity,
    SourceChannel,
)


class IncidentType(models.Model):
    """A code of GB/T 35561-2017 突发事件分类与编码 (e.g. ``11B03`` 暴雨).

    Five characters: domain ``1``, category (1 natural, 2 accident, 3 public health,
    4 social security, 9 other), sub-category letter, two-digit type. Loaded as reference
    data; ``is_doubtful`` marks codes whose source text was damaged (standards.md §1.2).
    """

    code = models.CharField(_("代码"), max_length=5, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级类别"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    depth = models.PositiveSmallIntegerField(_("层级"), help_text=_("0 根，1 大类，2 亚类，3 细类"))
    is_doubtful = models.BooleanField(_("存疑"), default=False)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("事件类型")
        verbose_name_plural = _("事件类型")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def category_code(self) -> str:
        """The top category (``11000`` natural disasters …) this code belongs to."""
        return f"{self.code[:2]}000"


class Event(RegionScopedModel):
    """A disaster process that groups incidents (a rainstorm day with thirty floods)."""

    # A city-wide event is readable by every county, so each can file its incidents in it.
    shared_down: ClassVar[bool] = True

    name = models.CharField(_("事件名称"), max_length=128)
    incident_type = models.ForeignKey(
        IncidentType, verbose_name=_("事件类型"), on_delete=models.PROTECT, null=True, blank=True
    )
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    description = models.TextField(_("概况"), blank=True)

    history = HistoricalRecords()
    objects: ClassVar[Any] = RestrictedManager()

    class Meta:
        verbose_name = _("事件过程")
        verbose_name_plural = _("事件过程")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.name


class Incident(RegionScopedModel, LocatedModel):
    """One incident (突发事件) as the platform knows it: what, where, how bad, who reported.

    ``region`` is the deepest region containing the point (township, else district), so
    that a county sees its incidents and the city sees all. ``owner_unit`` is the unit
    responsible for reporting it (the county's emergency office by default).
    """

    title = models.CharField(_("标题"), max_length=200)
    incident_type = models.ForeignKey(
        IncidentType, verbose_name=_("事件类型"), on_delete=models.PROTECT, related_name="+"
    )
    severity = models.PositiveSmallIntegerField(
        _("事件级别"), choices=Severity.choices, default=Severity.GENERAL
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.RECEIVED
    )
    occurred_at = models.DateTimeField(_("事发时间"))
    received_at = models.DateTimeField(_("接报时间"), db_index=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    description = models.TextField(_("事件概况"), blank=True)
    deaths = models.PositiveIntegerField(_("死亡人数"), default=0)
    injuries = models.PositiveIntegerField(_("受伤人数"), default=0)
    serious_injuries = models.PositiveIntegerField(_("重伤人数"), default=0)
    missing = models.PositiveIntegerField(_("失踪人数"), default=0)
    trapped = models.PositiveIntegerField(_("被困人数"), default=0)
    direct_loss = models.DecimalField(
        _("直接经济损失（万元）"), max_digits=14, decimal_places=2, default=0
    )
    source_channel = models.CharField(
        _("信息来源渠道"), max_length=24, choices=SourceChannel.choices
    )
    reporting_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("报告单位"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reporter_name = models.CharField(_("报告人"), max_length=64, blank=True)
    reporter_phone = models.CharField(_("报告人电话"), max_length=32, blank=True)
    # Most incidents have no event and are merged into none: these two are indexed only
    # where set (Meta.indexes), so an intake writes no index entry for them.
    event = models.ForeignKey(
        Event,
        verbose_name=_("所属事件过程"),
        on_delete=models.SET_NULL,
        related_name="incidents",
        null=True,
        blank=True,
        db_index=False,
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并到"),
        on_delete=models.PROTECT,
        related_name="merged_incidents",
        null=True,
        blank=True,
        db_index=False,
    )
    is_sensitive = models.BooleanField(
        _("敏感信息"), default=False, help_text=_("时间、地点、人员或性质敏感，不论级别都要报告。")
    )
    scene_contact_name = models.CharField(_("现场联络人"), max_length=64, blank=True)
    scene_contact_phone = models.CharField(_("现场联络电话"), max_length=32, blank=True)
    late_report_reason = models.TextField(
        _("补报说明"),
        blank=True,
        help_text=_("事发时间早于接报时间 30 天以上时必须说明原因。"),
    )
    escalated_at = models.DateTimeField(
        _("升级时间"),
        null=True,
        blank=True,
        help_text=_("事件首次达到较大及以上级别的时间；此后要求现场联络人和定时续报。"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    idempotency_key = models.CharField(
        _("幂等键"), max_length=64, null=True, blank=True, unique=True, editable=False
    )

    # RegionScopedModel's region, without an index of its own: incident_region_status
    # (region first) serves every lookup by region, and each index is pages written and
    # fsynced with every intake.
    region = models.ForeignKey(
        "geo.Region",
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    history = LeanHistoricalRecords()  # written with every intake: indexed by id only
    objects: ClassVar[Any] = RestrictedManager()
    # A direct-report point sees the incidents its unit reported (core.models.restrict).
    own_records: ClassVar[tuple[str, str]] = ("reporting_unit", "created_by")

    class Meta:
        verbose_name = _("突发事件")
        verbose_name_plural = _("突发事件")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-received_at"], name="incident_status_received"),
            # With the region last, the board's counts by level and status (10,000 open
            # incidents) are read from this index alone — no row is fetched (SQLite:
            # 17 → 2.4 ms); it still serves every "by level" filter as before.
            models.Index(
                fields=["severity", "status", "region"], name="incident_sev_status_region"
            ),
            # Every list goes through restrict(): a join on the region's path. SQLite then
            # walks the regions and, per region, the incidents of the wanted statuses —
            # from this index alone (the board's count of 10,000 open incidents among
            # 110,000 on SQLite: 418 ms → 0.6 ms).
            models.Index(fields=["region", "status"], name="incident_region_status"),
            models.Index(
                fields=["event"], name="incident_event", condition=models.Q(event__isnull=False)
            ),
            models.Index(
                fields=["merged_into"],
                name="incident_merged_into",
                condition=models.Q(merged_into__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(direct_loss__gte=0), name="incident_loss_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """The incident's reference number, e.g. ``20261130-00042`` (receipt date + id)."""
        if self.pk is None or self.received_at is None:
            return ""
        from django.utils import timezone

        return f"{timezone.localtime(self.received_at):%Y%m%d}-{self.pk:05d}"

    @property
    def is_open(self) -> bool:
        from .choices import OPEN_STATUSES

        return self.status in OPEN_STATUSES


class Report(TimestampedModel):
    """One report in an incident's chain: 首报, 续报N, 日报 or 终报, by phone or in writing.

    The content fields follow the typical local rules (standards.md §3.2). A report is
    durable the moment it is acknowledged; later corrections are new history rows.
    """

    incident = models.ForeignKey(
        Incident, verbose_name=_("突发事件"), on_delete=models.PROTECT, related_name="reports"
    )
    kind = models.CharField(_("报告类型"), max_length=12, choices=ReportKind.choices)
    sequence = models.PositiveSmallIntegerField(
        _("序号"), default=0, help_text=_("续报的编号：续报一为 1，依此类推；其他报告为 0。")
    )
    mode = models.CharField(_("报告方式"), max_length=8, choices=ReportMode.choices)
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("报告单位"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    submitted_at = models.DateTimeField(_("报告时间"), db_index=True)
    source_info = models.CharField(_("信息来源"), max_length=200, blank=True)
    location_text = models.CharField(_("事发地点"), max_length=255, blank=True)
    nature = models.CharField(_("事件性质"), max_length=200, blank=True)
    scope_of_impact = models.TextField(_("影响范围"), blank=True)
    deaths = models.PositiveIntegerField(_("死亡人数"), null=True, blank=True)
    injuries = models.PositiveIntegerField(_("受伤人数"), null=True, blank=True)
    serious_injuries = models.PositiveIntegerField(_("重伤人数"), null=True, blank=True)
    missing = models.PositiveIntegerField(_("失踪人数"), null=True, blank=True)
    trapped = models.PositiveIntegerField(_("被困人数"), null=True, blank=True)
    direct_loss = models.DecimalField(
        _("直接经济损失（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    trend = models.TextField(_("发展趋势"), blank=True)
    leaders_on_scene = models.TextField(_("领导到位情况"), blank=True)
    measures_taken = models.TextField(_("已采取措施"), blank=True)
    requests = models.TextField(_("请求与建议"), blank=True)
    body = models.TextField(_("报告正文"), blank=True)
    scene_contact_name = models.CharField(_("现场负责人"), max_length=64, blank=True)
    scene_contact_title = models.CharField(_("现场负责人职务"), max_length=64, blank=True)
    scene_contact_phone = models.CharField(_("现场负责人电话"), max_length=32, blank=True)
    signed_off_by = models.CharField(_("签发领导"), max_length=64, blank=True)
    signed_off_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    idempotency_key = models.CharField(
        _("幂等键"), max_length=64, null=True, blank=True, unique=True, editable=False
    )

    history = LeanHistoricalRecords()  # written with every intake: indexed by id only

    region_scope: ClassVar[str] = "incident__region__path"
    objects: ClassVar[Any] = RestrictedManager()
    own_records: ClassVar[tuple[str, str]] = ("incident__reporting_unit", "incident__created_by")

    class Meta:
        verbose_name = _("报告")
        verbose_name_plural = _("报告")
        ordering = ["incident", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "kind", "sequence", "mode"],
                condition=models.Q(kind="followup") | models.Q(kind="initial"),
                name="report_unique_in_chain",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} {self.label}"

    @property
    def label(self) -> str:
        """首报 / 续报三 / 日报 / 终报, as written on the document."""
        if self.kind == ReportKind.FOLLOWUP:
            return f"续报{chinese_number(self.sequence)}"
        return str(ReportKind(self.kind).label)


def report_upload_path(instance: Attachment, filename: str) -> str:
    from django.utils import timezone

    return f"incidents/{timezone.now():%Y/%m}/{instance.sha256[:2]}/{instance.sha256}-{filename}"


class Attachment(TimestampedModel):
    """A photo, video or document attached to an incident (and to a report if given)."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("突发事件"), on_delete=models.PROTECT, related_name="attachments"
    )
    report = models.ForeignKey(
        Report,
        verbose_name=_("报告"),
        on_delete=models.PROTECT,
        related_name="attachments",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("类型"), max_length=12, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to=report_upload_path, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("MIME 类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    lon = models.FloatField(_("拍摄经度"), null=True, blank=True)
    lat = models.FloatField(_("拍摄纬度"), null=True, blank=True)

    history = HistoricalRecords()

    region_scope: ClassVar[str] = "incident__region__path"
    objects: ClassVar[Any] = RestrictedManager()
    own_records: ClassVar[tuple[str, str]] = ("incident__reporting_unit", "incident__created_by")

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["incident", "created_at"]

    def __str__(self) -> str:
        return self.original_name


class IncidentLog(models.Model):
    """The incident's timeline: every step a service took, in order (written by services)."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("突发事件"), on_delete=models.CASCADE, related_name="log"
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    action = models.CharField(_("动作"), max_length=32)
    message = models.TextField(_("内容"))

    region_scope: ClassVar[str] = "incident__region__path"
    objects: ClassVar[Any] = RestrictedManager()
    own_records: ClassVar[tuple[str, str]] = ("incident__reporting_unit", "incident__created_by")

    class Meta:
        verbose_name = _("处置记录")
        verbose_name_plural = _("处置记录")
        ordering = ["incident", "at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.message}"


class Notification(models.Model):
    """A notice to one user about one incident (e.g. escalated to 较大, S14).

    Written by services; the recipient lists their own notices and marks them read.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="incident_notifications",
    )
    incident = models.ForeignKey(
        Incident, verbose_name=_("突发事件"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=24, default="escalated")
    message = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("发送时间"), db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    region_scope: ClassVar[str] = "incident__region__path"
    objects: ClassVar[Any] = RestrictedManager()
    own_records: ClassVar[tuple[str, str]] = ("incident__reporting_unit", "incident__created_by")

    class Meta:
        verbose_name = _("事件通知")
        verbose_name_plural = _("事件通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="incident_notice_unread"),
        ]

    def __str__(self) -> str:
        return self.message[:60]


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (report numbering, up to 99)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _DIGITS[tens]
    return f"{head}十{_DIGITS[ones] if ones else ''}"
