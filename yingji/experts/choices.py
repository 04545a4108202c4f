"""Choices for the expert pool (专家库, S12).

``ExpertCode``: the 42A codes of the national emergency resource code table
(standards.md §1.4 ◐): 01 自然灾害类 … 05 综合类, 99 其他.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExpertCode(models.TextChoices):
    NATURAL = "42A01", _("42A01 自然灾害类专家")
    ACCIDENT = "42A02", _("42A02 事故灾难类专家")
    HEALTH = "42A03", _("42A03 公共卫生类专家")
    SOCIAL = "42A04", _("42A04 社会安全类专家")
    GENERAL = "42A05", _("42A05 综合类专家")
    OTHER = "42A99", _("42A99 其他专家")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Title(models.TextChoices):
    """职称 (professional title level)."""

    SENIOR = "senior", _("正高级")
    ASSOCIATE = "associate", _("副高级")
    INTERMEDIATE = "intermediate", _("中级")
    JUNIOR = "junior", _("初级")
    NONE = "none", _("无")


class Availability(models.TextChoices):
    AVAILABLE = "available", _("可随时联系")
    LIMITED = "limited", _("需提前联系")
    UNAVAILABLE = "unavailable", _("暂不可用")


class TermStatus(models.TextChoices):
    """How a term stands apart from its dates (expiry is computed from ``term_end``)."""

    SERVING = "serving", _("聘任")
    DISMISSED = "dismissed", _("解聘")
    RESIGNED = "resigned", _("辞任")
