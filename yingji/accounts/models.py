"""Units (单位) and users: who owns records and who acts on them."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yingji.core.models import RestrictedQuerySet, TimestampedModel

from .choices import Role, UnitKind, UtilitySector


class Unit(TimestampedModel):
    """An organisation: a department, a district or township government, an enterprise.

    Every unit sits in a region; a unit may report to a parent unit (a township office to
    its district government). Users belong to units, and a user's scope is their unit's
    region and everything below it.
    """

    name = models.CharField(_("单位名称"), max_length=128)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    kind = models.CharField(_("单位类型"), max_length=32, choices=UnitKind.choices)
    sector = models.CharField(
        _("行业"), max_length=16, choices=UtilitySector.choices, blank=True, default=""
    )
    region = models.ForeignKey(
        "geo.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    phone = models.CharField(_("24小时值班电话"), max_length=32, blank=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    history = HistoricalRecords()

    region_scope: ClassVar[str] = "region__path"
    objects: ClassVar[Any] = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["region__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="accounts_unit_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class YingjiUserManager(UserManager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    """User manager that also offers ``restrict()``."""


class User(AbstractUser):
    """A person who signs in: a duty officer, a county officer, an information officer…

    ``role`` decides what they may do; ``unit`` (and its region) decides where.
    """

    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.VIEWER)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    phone = models.CharField(_("手机号码"), max_length=32, blank=True)
    is_demo = models.BooleanField(
        _("演示账号"), default=False, help_text=_("演示数据创建的账号，口令公开。")
    )

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    region_scope: ClassVar[str] = "unit__region__path"
    objects: ClassVar[Any] = YingjiUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @cached_property
    def scope_path(self) -> str | None:
        """The region path this user works in, or None for a user without a unit.

        Read on every request by ``restrict()``: one small query for the path alone, not
        the unit's region row with its outline (tens of kB of GeoJSON).
        """
        if self.unit_id is None:
            return None
        path: str | None = (
            Unit.objects.filter(pk=self.unit_id).values_list("region__path", flat=True).first()
        )
        return path

    @property
    def region(self) -> Any:
        return self.unit.region if self.unit_id and self.unit else None
