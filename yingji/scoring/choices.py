"""What a scoring rule reacts to, whom it scores, and the kinds of rankings and notices."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    """The outcome of the report chain a rule (评分办法条款) gives or takes points for.

    Late, missed, concealed and false reports follow standards.md §3.4 (迟报、漏报、瞒报、谎报);
    "complete" means an initial report with every mandatory content field of §3.2.
    """

    REPORT_ON_TIME = "report_on_time", _("按时报告")
    REPORT_LATE = "report_late", _("迟报")
    REPORT_MISSED = "report_missed", _("漏报")
    REPORT_CONCEALED = "report_concealed", _("瞒报")
    REPORT_FALSE = "report_false", _("谎报")
    REPORT_COMPLETE = "report_complete", _("首报要素齐全")
    FINAL_REPORT = "final_report", _("报送终报")
    QUALITY_BONUS = "quality_bonus", _("信息质量加分")


DEDUCTION_TRIGGERS = (
    Trigger.REPORT_LATE,
    Trigger.REPORT_MISSED,
    Trigger.REPORT_CONCEALED,
    Trigger.REPORT_FALSE,
)


class AppliesTo(models.TextChoices):
    """Whom a rule scores: the responsible unit, the information officer who reported, or both."""

    UNIT = "unit", _("单位")
    OFFICER = "officer", _("信息员")
    BOTH = "both", _("单位和信息员")


class SourceKind(models.TextChoices):
    """What a score entry came from; with ``source_id`` it makes replays harmless."""

    DEADLINE = "deadline", _("报告时限")
    FINDING = "finding", _("认定结论")
    INITIAL = "initial", _("首报")
    FINAL = "final", _("终报")
    REPORT = "report", _("报告")


class RankingKind(models.TextChoices):
    COUNTY = "county", _("县区")
    DEPARTMENT = "department", _("部门")
    OFFICER = "officer", _("信息员")


class Period(models.TextChoices):
    MONTH = "month", _("月度")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年度")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已印发")
