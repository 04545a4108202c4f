"""Kinds of duty-log entries (值班日志)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    """What the duty officer wrote down: a call, a report, an instruction, or other."""

    CALL = "call", _("来电")
    REPORT = "report", _("报告")
    INSTRUCTION = "instruction", _("批示指示")
    OTHER = "other", _("其他")
