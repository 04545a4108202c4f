"""Choices for rescue teams (应急队伍, S13).

``TEAM_CODES`` are the 42E professional rescue team codes of the national emergency
resource code table (standards.md §1.4, ◐: only 42E12–21 and 99 were seen; 42C/42D and
42E01–11 were absent in the source).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TeamKind(models.TextChoices):
    PROFESSIONAL = "professional", _("专业救援队伍")
    GRASSROOTS = "grassroots", _("基层综合性救援队伍")
    ENTERPRISE = "enterprise", _("企业专职救援队伍")
    SOCIAL = "social", _("社会救援力量")
    VOLUNTEER = "volunteer", _("志愿者队伍")
    FIRE = "fire", _("消防救援队伍")
    MILITIA = "militia", _("民兵应急队伍")


class Sector(models.TextChoices):
    CHEMICAL = "chemical", _("危险化学品")
    CONSTRUCTION = "construction", _("建筑施工")
    WATER = "water", _("供水排水")
    POWER = "power", _("电力")
    GAS = "gas", _("燃气")
    MINE = "mine", _("矿山")
    MEDICAL = "medical", _("医疗卫生")
    FLOOD = "flood", _("防汛抗旱")
    FOREST = "forest", _("森林防灭火")
    TRAFFIC = "traffic", _("交通路桥")
    COMMUNICATION = "communication", _("通信")
    GENERAL = "general", _("综合")
    OTHER = "other", _("其他")


class Readiness(models.TextChoices):
    READY = "ready", _("随时可调")
    PARTLY = "partly", _("部分可调")
    NOT_READY = "not_ready", _("暂不可调")


class TeamCode(models.TextChoices):
    """42E 专业救援队伍 (standards.md §1.4 ◐)."""

    FOREST_FIRE = "42E12", _("42E12 专业森林消防队伍")
    FOREST_PEST = "42E13", _("42E13 林业有害生物防治队伍")
    FOOD_POISONING = "42E14", _("42E14 食物中毒预备队")
    ROAD_BRIDGE = "42E15", _("42E15 路桥抢修队伍")
    COMMUNICATION = "42E16", _("42E16 通信保障队伍")
    POWER = "42E17", _("42E17 电力抢修队伍")
    GAS = "42E18", _("42E18 供气抢修队伍")
    WATER_SUPPLY = "42E19", _("42E19 供水抢修队伍")
    DRAINAGE = "42E20", _("42E20 排水抢险队伍")
    GARDEN = "42E21", _("42E21 园林抢险队伍")
    OTHER = "42E99", _("42E99 其他专业救援队伍")
