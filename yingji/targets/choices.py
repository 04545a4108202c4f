from django.db import models
from django.utils.translation import gettext_lazy as _


class TargetKind(models.TextChoices):
    """What kind of place must be protected (the 3xxxx code, when one applies, is finer)."""

    SCHOOL = "school", _("学校")
    KINDERGARTEN = "kindergarten", _("幼儿园")
    HOSPITAL = "hospital", _("医院")
    NURSING_HOME = "nursing_home", _("养老机构")
    CROWDED_PLACE = "crowded_place", _("人员密集场所")
    GOVERNMENT = "government", _("党政机关")
    KEY_INFRASTRUCTURE = "key_infrastructure", _("关键基础设施")
    RESERVE = "reserve", _("储备物资库")
    MONITORING = "monitoring", _("监测台站")
    CONSTRUCTION_SITE = "construction_site", _("在建工程")
    OTHER = "other", _("其他")
