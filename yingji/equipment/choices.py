"""Choices of the equipment and social special vehicles registry (社会特种车辆).

Where the 应急平台 resource code set (standards.md §1.4, 4xxxx) has a class for a kind,
``KIND_CODES`` gives it (46E02 救护车; 45B 运输设备 and 44C 通信设备 are classes without
sub-codes in the source); every other kind has an internal code ``YJE..``, marked as such.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _


class EquipmentKind(models.TextChoices):
    CRANE = "crane", _("起重机（吊车）")
    EXCAVATOR = "excavator", _("挖掘机")
    LOADER = "loader", _("装载机")
    BULLDOZER = "bulldozer", _("推土机")
    DRAINAGE_TRUCK = "drainage_truck", _("排水抢险车")
    PUMP = "pump", _("移动泵站/抽水机组")
    TANKER = "tanker", _("罐车（供水/油料）")
    GENERATOR = "generator", _("发电车/发电机组")
    LIGHTING = "lighting", _("照明车/照明灯塔")
    BOAT = "boat", _("舟艇")
    RESCUE_VEHICLE = "rescue_vehicle", _("抢险救援车")
    DUMP_TRUCK = "dump_truck", _("自卸车")
    TRANSPORT = "transport", _("运输车辆")
    AMBULANCE = "ambulance", _("救护车")
    COMMUNICATION = "communication", _("应急通信车")
    OTHER = "other", _("其他")


class KindCode(NamedTuple):
    code: str
    is_standard: bool


KIND_CODES: dict[str, KindCode] = {
    EquipmentKind.CRANE: KindCode("YJE01", False),
    EquipmentKind.EXCAVATOR: KindCode("YJE02", False),
    EquipmentKind.LOADER: KindCode("YJE03", False),
    EquipmentKind.BULLDOZER: KindCode("YJE04", False),
    EquipmentKind.DRAINAGE_TRUCK: KindCode("YJE05", False),
    EquipmentKind.PUMP: KindCode("YJE06", False),
    EquipmentKind.TANKER: KindCode("YJE07", False),
    EquipmentKind.GENERATOR: KindCode("YJE08", False),
    EquipmentKind.LIGHTING: KindCode("YJE09", False),
    EquipmentKind.BOAT: KindCode("YJE10", False),
    EquipmentKind.RESCUE_VEHICLE: KindCode("YJE11", False),
    EquipmentKind.DUMP_TRUCK: KindCode("YJE12", False),
    EquipmentKind.TRANSPORT: KindCode("45B", True),
    EquipmentKind.AMBULANCE: KindCode("46E02", True),
    EquipmentKind.COMMUNICATION: KindCode("44C", True),
    EquipmentKind.OTHER: KindCode("YJE99", False),
}


class OwnerKind(models.TextChoices):
    UNIT = "unit", _("单位（政府部门、国企）")
    ENTERPRISE = "enterprise", _("企业")
    PRIVATE = "private", _("个人")


class Availability(models.TextChoices):
    AVAILABLE = "available", _("可调用")
    IN_USE = "in_use", _("执行任务中")
    MAINTENANCE = "maintenance", _("维修保养")
    UNAVAILABLE = "unavailable", _("不可用")


AVAILABILITY_COLOURS = {
    Availability.AVAILABLE: "green",
    Availability.IN_USE: "orange",
    Availability.MAINTENANCE: "grey",
    Availability.UNAVAILABLE: "red",
}
