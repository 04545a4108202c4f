"""Rescue teams (应急队伍, S13) and their members."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yingji.core.models import RestrictedManager, TimestampedModel
from yingji.core.registry import RegistryRecord
from yingji.geo.located import LocatedModel

from .choices import Readiness, Sector, TeamCode, TeamKind


class Team(RegistryRecord, LocatedModel):
    """One rescue team (一支应急救援队伍): professional, grassroots, enterprise, social…

    Located at its base (驻地); ``capabilities`` are the incident types it handles (at any
    level of GB/T 35561: a team for ``11A00`` 水旱灾害 is found for ``11A02`` 内涝).
    """

    #: Columns of the Excel export (pages and API) and of the census template.
    export_fields: ClassVar[tuple[str, ...]] = (
        "name",
        "kind",
        "sector",
        "code",
        "region",
        "owner_unit",
        "address",
        "lon",
        "lat",
        "head_count",
        "leader_name",
        "leader_phone",
        "duty_phone",
        "readiness",
        "equipment_text",
        "last_reviewed_at",
    )

    default_review_days: ClassVar[int] = 180

    name = models.CharField(_("队伍名称"), max_length=128)
    kind = models.CharField(_("队伍类型"), max_length=16, choices=TeamKind.choices)
    sector = models.CharField(
        _("行业领域"), max_length=16, choices=Sector.choices, default=Sector.GENERAL
    )
    code = models.CharField(
        _("资源分类代码"),
        max_length=5,
        choices=TeamCode.choices,
        blank=True,
        help_text=_("专业救援队伍的 42E 代码（如适用）。"),
    )
    head_count = models.PositiveIntegerField(
        _("队伍人数"), default=0, validators=[MaxValueValidator(100000)]
    )
    leader_name = models.CharField(_("负责人"), max_length=64, blank=True)
    leader_phone = models.CharField(_("负责人电话"), max_length=32, blank=True)
    duty_phone = models.CharField(_("24小时值班电话"), max_length=32, blank=True)
    readiness = models.CharField(
        _("战备状态"), max_length=16, choices=Readiness.choices, default=Readiness.READY
    )
    capabilities = models.ManyToManyField(
        "incidents.IncidentType",
        verbose_name=_("可处置事件类型"),
        related_name="+",
        blank=True,
    )
    equipment = models.ManyToManyField(
        "equipment.Equipment",
        verbose_name=_("登记的装备"),
        related_name="teams",
        blank=True,
        help_text=_("装备库中属于或配属本队的装备、特种车辆。"),
    )
    equipment_text = models.TextField(
        _("主要装备"), blank=True, help_text=_("未在装备库登记的装备，用文字说明。")
    )
    note = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("应急队伍")
        verbose_name_plural = _("应急队伍")
        ordering = ["region__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="teams_team_unique_name"),
        ]
        indexes = [
            models.Index(fields=["kind", "readiness"], name="teams_team_kind_ready"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(TimestampedModel):
    """A member of a rescue team (队员), with contact, skills and certificate."""

    team = models.ForeignKey(
        Team, verbose_name=_("所属队伍"), on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField(_("姓名"), max_length=64)
    role = models.CharField(_("职务"), max_length=64, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    skills = models.CharField(_("技能特长"), max_length=255, blank=True)
    certificate = models.CharField(_("资格证书"), max_length=128, blank=True)
    is_active = models.BooleanField(_("在队"), default=True)

    history = HistoricalRecords()

    region_scope: ClassVar[str] = "team__region__path"
    objects: ClassVar[Any] = RestrictedManager()

    class Meta:
        verbose_name = _("队员")
        verbose_name_plural = _("队员")
        ordering = ["team", "-is_active", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def region(self) -> Any:
        return self.team.region
