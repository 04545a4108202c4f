"""The duty room's log (值班日志): calls, reports and instructions of the day, as they come."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yingji.core.models import RegionScopedModel, RestrictedManager

from .choices import EntryKind


class DutyLogEntry(RegionScopedModel):
    """One line of a duty room's log: at 09:12 the county called about a gas leak.

    ``region`` is the duty room's region (the recorder's unit), so a county's duty log is
    the county's and the city sees all. ``incident`` links the line to the incident it is
    about, when there is one.
    """

    at = models.DateTimeField(_("时间"), db_index=True)
    kind = models.CharField(_("类别"), max_length=12, choices=EntryKind.choices)
    caller = models.CharField(
        _("来电人/单位"), max_length=128, blank=True, help_text=_("谁打来、哪个单位报来或下达。")
    )
    caller_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    summary = models.TextField(_("内容摘要"))
    handling = models.TextField(_("处理情况"), blank=True)
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("关联事件"),
        on_delete=models.SET_NULL,
        related_name="duty_log_entries",
        null=True,
        blank=True,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    history = HistoricalRecords()
    objects: ClassVar[Any] = RestrictedManager()

    class Meta:
        verbose_name = _("值班日志")
        verbose_name_plural = _("值班日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["region", "-at"], name="duty_log_region_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.summary[:40]}"
