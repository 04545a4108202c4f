"""Kinds of reporting requirement, clocks, deadline statuses and findings (standards.md §3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Requirement(models.TextChoices):
    """What a deadline rule asks for: one step of the report chain, or the scene liaison."""

    INITIAL_PHONE = "initial_phone", _("首报（电话）")
    INITIAL_WRITTEN = "initial_written", _("首报（书面）")
    FOLLOWUP = "followup", _("续报")
    DAILY = "daily", _("日报")
    FINAL = "final", _("终报")
    SCENE_LIAISON = "scene_liaison", _("现场联络人")


# Requirements that recur while the incident is open (numbered 1, 2, …).
RECURRING = (Requirement.FOLLOWUP, Requirement.DAILY)
# Requirements that only make sense while the incident is open (waived when it closes).
WHILE_OPEN = (Requirement.FOLLOWUP, Requirement.DAILY, Requirement.SCENE_LIAISON)


class Anchor(models.TextChoices):
    """The moment a rule's clock starts from."""

    OCCURRED = "occurred_at", _("事发时间")
    RECEIVED = "received_at", _("接报时间")
    PREVIOUS_REPORT = "previous_report", _("上一次报告时间")
    CLOSED = "closed_at", _("事件结束时间")


# Which clocks each requirement may count from (the first is the default).
ALLOWED_ANCHORS: dict[str, tuple[str, ...]] = {
    Requirement.INITIAL_PHONE: (Anchor.OCCURRED, Anchor.RECEIVED),
    Requirement.INITIAL_WRITTEN: (Anchor.OCCURRED, Anchor.RECEIVED),
    Requirement.SCENE_LIAISON: (Anchor.OCCURRED, Anchor.RECEIVED),
    Requirement.FOLLOWUP: (Anchor.PREVIOUS_REPORT,),
    Requirement.DAILY: (Anchor.RECEIVED,),
    Requirement.FINAL: (Anchor.CLOSED,),
}

# An earlier clock is a stricter one: occurred_at ≤ received_at.
ANCHOR_RANK: dict[str, int] = {
    Anchor.OCCURRED: 0,
    Anchor.RECEIVED: 1,
    Anchor.PREVIOUS_REPORT: 1,
    Anchor.CLOSED: 1,
}


class Confidence(models.TextChoices):
    """How sure we are of a rule's source (the marks of standards.md)."""

    VERIFIED = "verified", _("✅ 已核实")
    PARTIAL = "partial", _("◐ 部分核实")
    UNVERIFIED = "unverified", _("❓ 未核实")
    DEFAULT = "default", _("默认值，可修改")
    LOCAL = "local", _("地方规定")


class DeadlineStatus(models.TextChoices):
    PENDING = "pending", _("待报")
    MET = "met", _("按时")
    LATE = "late", _("迟报")
    WAIVED = "waived", _("免报")


class FindingKind(models.TextChoices):
    """迟报、漏报、瞒报、谎报 (standards.md §3.4)."""

    LATE = "late", _("迟报")
    MISSED = "missed", _("漏报")
    CONCEALED = "concealed", _("瞒报")
    FALSE = "false", _("谎报")


# Kinds a reviewer records by hand (never created by the platform).
MANUAL_KINDS = (FindingKind.CONCEALED, FindingKind.FALSE)


class FindingStatus(models.TextChoices):
    SUSPECTED = "suspected", _("待认定")
    CONFIRMED = "confirmed", _("已认定")
    DISMISSED = "dismissed", _("已排除")
