"""The census import jobs and the stewards of the resource catalogue's layers."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yingji.core.models import (
    RegionScopedModel,
    RestrictedQuerySet,
    TimestampedModel,
    permission_name,
)
from yingji.geo.choices import CoordinateSystem


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("全部成功才导入（有错则一条不导入）")
    GOOD_ROWS = "good_rows", _("导入正确的行，报告错误的行")
    VALIDATE = "validate", _("只检查，不导入")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在导入")
    DONE = "done", _("全部导入")
    PARTIAL = "partial", _("部分导入")
    REJECTED = "rejected", _("有错误，未导入")
    CHECKED = "checked", _("检查完成")
    FAILED = "failed", _("导入失败")


FINISHED = frozenset(
    {
        ImportStatus.DONE,
        ImportStatus.PARTIAL,
        ImportStatus.REJECTED,
        ImportStatus.CHECKED,
        ImportStatus.FAILED,
    }
)


class ImportJob(RegionScopedModel):
    """One upload of a census file: who, when, which registry, how, and what came of it.

    ``region``/``owner_unit`` are the importing user's (a county sees its own jobs, the
    city all of them). ``faults`` keeps the reported faults (row as Excel shows it, column
    header, value, reason); the downloadable report (``report``) has the original rows
    with a 错误说明 column. Progress (``processed_rows`` of ``total_rows``) is written while
    the job runs.
    """

    registry = models.CharField(_("数据图层"), max_length=64, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("上传文件"), upload_to="census/uploads/%Y/%m/", max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    mode = models.CharField(_("导入方式"), max_length=16, choices=ImportMode.choices)
    update_existing = models.BooleanField(
        _("更新已有记录"),
        default=False,
        help_text=_("按名称（或代码）与行政区划匹配已有记录并更新；否则重复记录报错。"),
    )
    crs = models.CharField(
        _("默认坐标系"),
        max_length=8,
        choices=CoordinateSystem.choices,
        default=CoordinateSystem.WGS84,
        help_text=_("文件中“坐标系”列留空的行按此坐标系换算。"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    phase = models.CharField(_("阶段"), max_length=16, blank=True)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增条数"), default=0)
    updated_count = models.PositiveIntegerField(_("更新条数"), default=0)
    fault_rows = models.PositiveIntegerField(_("错误行数"), default=0)
    fault_count = models.PositiveIntegerField(_("错误个数"), default=0)
    faults = models.JSONField(_("错误明细"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True)
    report = models.FileField(
        _("错误报告"), upload_to="census/reports/%Y/%m/", max_length=255, blank=True
    )
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    seconds = models.FloatField(_("耗时（秒）"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["faults", "processed_rows", "phase"])

    class Meta:
        verbose_name = _("普查导入任务")
        verbose_name_plural = _("普查导入任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["registry", "-created_at"], name="catalogue_job_reg_time")]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def registry_title(self) -> str:
        from .census import get_spec

        spec = get_spec(self.registry)
        return str(spec.title) if spec is not None else self.registry

    @property
    def progress(self) -> float:
        if self.finished:
            return 1.0
        return round(self.processed_rows / self.total_rows, 4) if self.total_rows else 0.0


class CityWideQuerySet(RestrictedQuerySet):
    """Reference data read by every signed-in user; written by roles that may."""

    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if action == "view" or user.has_perm(permission_name(self.model, action)):
            return self
        return self.none()


class LayerSteward(TimestampedModel):
    """Who is responsible for a layer of the resource catalogue (S2 数据管护).

    ``layer`` is a map layer or census key (``teams.team``); ``unit`` the responsible
    department; ``standard_notes`` the data standard's remarks (source, update rules).
    When a layer has no steward, the catalogue names the units that own its records.
    """

    layer = models.CharField(_("数据图层"), max_length=64, unique=True)
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    update_cycle = models.CharField(_("更新频次"), max_length=64, blank=True)
    standard_notes = models.TextField(_("数据标准说明"), blank=True)

    history = HistoricalRecords()
    objects: ClassVar[Any] = CityWideQuerySet.as_manager()
    region_scope: ClassVar[str] = "unit__region__path"

    class Meta:
        verbose_name = _("图层责任单位")
        verbose_name_plural = _("图层责任单位")
        ordering = ["layer"]

    def __str__(self) -> str:
        return f"{self.layer} · {self.unit}"
