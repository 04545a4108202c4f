"""默认评分办法（示例，可修改）: the clauses a fresh platform starts with.

The Jinan rules (济南市突发事件信息管理办法, 济办发〔2017〕21号, and any 评分细则) were not
found in any public source (standards.md, summary of gaps, item 2). These clauses are
configurable examples, marked ``is_default``, not facts: the city administrator changes
them (a new clause from a new date) on the rules page.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

NOTE = (
    "默认评分办法（示例，可修改）。济南市突发事件信息管理办法（济办发〔2017〕21号）及其评分细则"
    "未在公开来源中查到，本条款是平台预置的可配置示例，不是正式规定。"
)

# (name, trigger, points, applies_to, severity multipliers, explanation)
DEFAULTS = [
    ("按时报告", "report_on_time", "1", "both", {}, "每个报告时限按时完成（首报、书面报告、续报、日报、终报）。"),
    (
        "迟报扣分",
        "report_late",
        "-2",
        "both",
        {"1": 3, "2": 2, "3": 1.5},
        "超过规定时限报告（standards.md §3.4 迟报）；较大及以上事件加倍扣分。",
    ),
    (
        "漏报扣分",
        "report_missed",
        "-5",
        "unit",
        {"1": 3, "2": 2, "3": 1.5},
        "经认定的漏报：应报未报，或时间、地点、类别、伤亡、损失等要素遗漏（§3.4）。",
    ),
    ("瞒报扣分", "report_concealed", "-10", "unit", {"1": 2, "2": 2, "3": 1.5}, "经调查认定的瞒报（§3.4）。"),
    ("谎报扣分", "report_false", "-10", "unit", {"1": 2, "2": 2, "3": 1.5}, "经认定的谎报：故意不如实报告（§3.4）。"),
    ("首报要素齐全", "report_complete", "1", "both", {}, "首报填齐 standards.md §3.2 规定的全部要素。"),
    ("报送终报", "final_report", "1", "unit", {}, "处置结束后报送终报。"),
    ("信息质量加分", "quality_bonus", "2", "both", {}, "审核人认定的高质量报告（内容准确、分析到位）。"),
]


def add_defaults(apps, schema_editor):
    ScoringRule = apps.get_model("scoring", "ScoringRule")
    for name, trigger, points, applies_to, multipliers, explanation in DEFAULTS:
        if ScoringRule.objects.filter(trigger=trigger, region__isnull=True, is_default=True).exists():
            continue
        ScoringRule.objects.create(
            name=name,
            trigger=trigger,
            points=Decimal(points),
            applies_to=applies_to,
            severity_multipliers=multipliers,
            region=None,
            valid_from=date(2020, 1, 1),
            source=f"{explanation}\n{NOTE}",
            is_default=True,
            is_active=True,
        )


def remove_defaults(apps, schema_editor):
    ScoringRule = apps.get_model("scoring", "ScoringRule")
    ScoringRule.objects.filter(is_default=True, entries__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
