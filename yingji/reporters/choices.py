from django.db import models
from django.utils.translation import gettext_lazy as _


class OfficerPost(models.TextChoices):
    """What a grassroots information officer (基层信息员) does for a living (S5)."""

    VILLAGE_CADRE = "village_cadre", _("村居干部")
    GRID_WORKER = "grid_worker", _("网格员")
    PROPERTY = "property", _("物业")
    SCHOOL = "school", _("学校")
    ENTERPRISE = "enterprise", _("企业")
    HOSPITAL = "hospital", _("医疗机构")
    VOLUNTEER = "volunteer", _("志愿者")
    OTHER = "other", _("其他")


class RosterStatus(models.TextChoices):
    """Where a county's roster filing (信息员名录备案) stands with the city."""

    SUBMITTED = "submitted", _("已报备")
    ACCEPTED = "accepted", _("已接收")
    RETURNED = "returned", _("已退回")
    SUPERSEDED = "superseded", _("已被新报备取代")
