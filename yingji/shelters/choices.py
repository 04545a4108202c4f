"""Choices for emergency shelters (应急避难场所).

``SHELTER_CODES`` maps a kind to its code in the national emergency resource code table
(standards.md §1.4 ◐): 47A 避难场所 (01 救助管理站, 02 公园, 03 广场, 04 绿地), 47B 人防工事
(01 防空洞, 02 防空地下室). Schools and gyms used as indoor shelters have no code there.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ShelterKind(models.TextChoices):
    RESCUE_STATION = "rescue_station", _("救助管理站")
    PARK = "park", _("公园")
    SQUARE = "square", _("广场")
    GREEN = "green", _("绿地")
    AIR_RAID_SHELTER = "air_raid_shelter", _("人防工事（防空洞）")
    CIVIL_DEFENCE_BASEMENT = "civil_defence_basement", _("人防工事（防空地下室）")
    SCHOOL = "school", _("学校（室内）")
    GYM = "gym", _("体育馆（室内）")
    OTHER = "other", _("其他")


SHELTER_CODES: dict[str, str] = {
    ShelterKind.RESCUE_STATION: "47A01",
    ShelterKind.PARK: "47A02",
    ShelterKind.SQUARE: "47A03",
    ShelterKind.GREEN: "47A04",
    ShelterKind.AIR_RAID_SHELTER: "47B01",
    ShelterKind.CIVIL_DEFENCE_BASEMENT: "47B02",
}

INDOOR_KINDS = frozenset(
    {
        ShelterKind.RESCUE_STATION,
        ShelterKind.AIR_RAID_SHELTER,
        ShelterKind.CIVIL_DEFENCE_BASEMENT,
        ShelterKind.SCHOOL,
        ShelterKind.GYM,
    }
)


class ShelterStatus(models.TextChoices):
    OPEN = "open", _("可启用")
    IN_USE = "in_use", _("正在使用")
    CLOSED = "closed", _("关闭")
    MAINTENANCE = "maintenance", _("维护中")
