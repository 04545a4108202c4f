from django.db import models
from django.utils.translation import gettext_lazy as _


class HazardLevel(models.TextChoices):
    """Grading of hazard sources (重大 / 较大 / 一般 / 低风险)."""

    MAJOR = "major", _("重大")
    LARGER = "larger", _("较大")
    GENERAL = "general", _("一般")
    LOW = "low", _("低")


class DepthSource(models.TextChoices):
    MANUAL = "manual", _("人工观测")
    SENSOR = "sensor", _("积水监测设备")
    PUBLIC = "public", _("群众报告")
    VIDEO = "video", _("视频识别")
    OTHER = "other", _("其他")
