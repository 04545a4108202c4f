"""Statuses, levels and kinds of the incident reporting domain (standards.md §2–§3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.IntegerChoices):
    """The four levels of GB/T 35561-era grading; 1 is the most severe (Ⅰ级)."""

    ESPECIALLY_MAJOR = 1, _("特别重大（Ⅰ级）")
    MAJOR = 2, _("重大（Ⅱ级）")
    LARGER = 3, _("较大（Ⅲ级）")
    GENERAL = 4, _("一般（Ⅳ级）")


SEVERITY_COLOURS = {1: "#c62828", 2: "#ef6c00", 3: "#f9a825", 4: "#1565c0"}


class IncidentStatus(models.TextChoices):
    RECEIVED = "received", _("已接报")
    VERIFYING = "verifying", _("核实中")
    VERIFIED = "verified", _("已核实")
    RESPONDING = "responding", _("处置中")
    CLOSED = "closed", _("已结束")
    MERGED = "merged", _("已合并")
    DUPLICATE = "duplicate", _("重复报告")
    FALSE_REPORT = "false_report", _("不实信息")


OPEN_STATUSES = (
    IncidentStatus.RECEIVED,
    IncidentStatus.VERIFYING,
    IncidentStatus.VERIFIED,
    IncidentStatus.RESPONDING,
)

# Which status may follow which (the state machine lives in services.incident_set_status).
STATUS_TRANSITIONS: dict[str, tuple[str, ...]] = {
    IncidentStatus.RECEIVED: (
        IncidentStatus.VERIFYING,
        IncidentStatus.VERIFIED,
        IncidentStatus.RESPONDING,
        IncidentStatus.CLOSED,
        IncidentStatus.MERGED,
        IncidentStatus.DUPLICATE,
        IncidentStatus.FALSE_REPORT,
    ),
    IncidentStatus.VERIFYING: (
        IncidentStatus.VERIFIED,
        IncidentStatus.RESPONDING,
        IncidentStatus.CLOSED,
        IncidentStatus.MERGED,
        IncidentStatus.DUPLICATE,
        IncidentStatus.FALSE_REPORT,
    ),
    IncidentStatus.VERIFIED: (
        IncidentStatus.RESPONDING,
        IncidentStatus.CLOSED,
        IncidentStatus.MERGED,
    ),
    IncidentStatus.RESPONDING: (IncidentStatus.CLOSED, IncidentStatus.MERGED),
    IncidentStatus.CLOSED: (IncidentStatus.RESPONDING,),
    IncidentStatus.MERGED: (),
    IncidentStatus.DUPLICATE: (),
    IncidentStatus.FALSE_REPORT: (),
}


class SourceChannel(models.TextChoices):
    """How the platform first learned of an incident."""

    PHONE = "phone", _("电话报告")
    WRITTEN = "written", _("书面报告")
    INFO_OFFICER = "info_officer", _("基层信息员")
    DIRECT_REPORT = "direct_report", _("信息直报点")
    PUBLIC = "public", _("群众报告")
    MEDIA = "media", _("媒体/网络")
    HIGHER_AUTHORITY = "higher_authority", _("上级通报")
    NEIGHBOURING_CITY = "neighbouring_city", _("周边城市通报")
    OTHER_PLATFORM = "other_platform", _("其他平台推送")
    OTHER = "other", _("其他")


# Channels outside the responsible unit's own reporting: learning of an incident this
# way first suggests a missed report (漏报) by the responsible unit (standards.md §3.4).
EXTERNAL_CHANNELS = (
    SourceChannel.PUBLIC,
    SourceChannel.MEDIA,
    SourceChannel.HIGHER_AUTHORITY,
    SourceChannel.NEIGHBOURING_CITY,
)


class ReportKind(models.TextChoices):
    """The report chain: 首报 → 续报一、二… (and 日报) → 终报."""

    INITIAL = "initial", _("首报")
    FOLLOWUP = "followup", _("续报")
    DAILY = "daily", _("日报")
    FINAL = "final", _("终报")


class ReportMode(models.TextChoices):
    """Phone first, written after (standards.md §3.1)."""

    PHONE = "phone", _("电话报告")
    WRITTEN = "written", _("书面报告")


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    VIDEO = "video", _("视频")
    DOCUMENT = "document", _("文档")
    AUDIO = "audio", _("录音")
