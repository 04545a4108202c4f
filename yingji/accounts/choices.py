from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user does on the platform (MISSION.md, "Who uses it")."""

    CITY_ADMIN = "city_admin", _("市级管理员")
    DUTY_OFFICER = "duty_officer", _("总值班室值班员")
    DUTY_LEADER = "duty_leader", _("带班领导")
    COUNTY_OFFICER = "county_officer", _("县区/部门应急办")
    INFO_OFFICER = "info_officer", _("基层信息员")
    DIRECT_REPORT = "direct_report", _("信息直报点")
    VIEWER = "viewer", _("只读用户")


class UnitKind(models.TextChoices):
    """Kinds of unit (单位) that own records and employ users."""

    GOVERNMENT = "government", _("人民政府")
    EMERGENCY_OFFICE = "emergency_office", _("应急管理部门")
    DUTY_ROOM = "duty_room", _("总值班室")
    DEPARTMENT = "department", _("职能部门")
    TOWNSHIP = "township", _("镇街")
    ENTERPRISE = "enterprise", _("企业")
    UTILITY = "utility", _("公用事业单位")
    OTHER = "other", _("其他")


class UtilitySector(models.TextChoices):
    """Sectors of lifeline utilities and high-risk enterprises (信息直报点, S6)."""

    NONE = "", _("—")
    WATER = "water", _("供水")
    POWER = "power", _("供电")
    GAS = "gas", _("供气")
    HEATING = "heating", _("供热")
    BUS = "bus", _("公交")
    CHEMICAL = "chemical", _("危险化学品")
    OTHER = "other", _("其他")
