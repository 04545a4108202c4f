from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    """Levels of administrative division (GB/T 2260 and below)."""

    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    DISTRICT = "district", _("县区")
    ZONE = "zone", _("功能区")
    TOWNSHIP = "township", _("镇街")
    VILLAGE = "village", _("村居")


class CoordinateSystem(models.TextChoices):
    """Datums an input file may declare; everything is stored in WGS84."""

    WGS84 = "wgs84", _("WGS84 / CGCS2000（天地图、GPS）")
    GCJ02 = "gcj02", _("GCJ-02（高德、腾讯）")
    BD09 = "bd09", _("BD-09（百度）")
