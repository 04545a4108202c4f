"""The notice (通报) on incident information reporting, as a Word document (python-docx).

A notice names the period, gives the totals, praises the units with on-time, complete
reports and no deduction (表扬), criticises each unit with late, missed, concealed or false
reports case by case (批评: which incident, what was late and by how much), ranks the
counties (and the departments, when they were scored) and closes with the requirements.
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from .choices import Period, RankingKind, Trigger
from .models import ScoreEntry
from .selectors import (
    RANKING_HEADERS,
    RankingRow,
    deduction_cases,
    period_bounds,
    period_label,
    ranking_cells,
    ranking_table,
)

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"

PRAISE_HEADING = "表扬"
CRITICISM_HEADING = "批评"


def notice_title(kind: str, year: int, number: int) -> str:
    """关于2026年3月份突发事件信息报送情况的通报 (and the quarter and year variants)."""
    if kind == Period.MONTH:
        when = _("%(y)d年%(m)d月份") % {"y": year, "m": number}
    else:
        when = period_label(kind, year, number)
    return _("关于%(when)s突发事件信息报送情况的通报") % {"when": when}


def _font(run: Any, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _paragraph(
    doc: Any,
    text: str,
    *,
    font: str = BODY_FONT,
    size: float = 16,
    bold: bool = False,
    align: Any = None,
    indent: bool = True,
) -> Any:
    paragraph = doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    paragraph.paragraph_format.line_spacing = Pt(28)
    _font(paragraph.add_run(text), font, size, bold)
    return paragraph


def _table(doc: Any, rows: list[RankingRow]) -> Any:
    table = doc.add_table(rows=1, cols=len(RANKING_HEADERS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, RANKING_HEADERS, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(str(header)), HEADING_FONT, 10.5, True)
    for row in rows:
        cells = table.add_row().cells
        values = ranking_cells(row)
        values[3] = _points_text(row.points)
        for cell, value in zip(cells, values, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(str(value)), BODY_FONT, 10.5)
    return table


def _points_text(points: Decimal) -> str:
    text = f"{points:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _totals(start: datetime, end: datetime, within: str | None) -> dict[str, int]:
    from yingji.incidents.choices import ReportKind
    from yingji.incidents.models import Incident, Report

    incidents = Incident.objects.filter(received_at__gte=start, received_at__lt=end)
    reports = Report.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    entries = ScoreEntry.objects.filter(
        occurred_at__gte=start, occurred_at__lt=end, counts_for_unit=True
    )
    if within:
        incidents = incidents.filter(region__path__startswith=within)
        reports = reports.filter(incident__region__path__startswith=within)
        entries = entries.filter(region__path__startswith=within)
    counts: dict[str, int] = {}
    for trigger, reverses_id in entries.values_list("trigger", "reverses_id"):
        counts[trigger] = counts.get(trigger, 0) + (-1 if reverses_id else 1)
    by_kind = dict.fromkeys(ReportKind.values, 0)
    for kind in reports.values_list("kind", flat=True):
        by_kind[kind] = by_kind.get(kind, 0) + 1
    return {
        "incidents": incidents.count(),
        "reports": sum(by_kind.values()),
        "initial": by_kind.get(ReportKind.INITIAL, 0),
        "followup": by_kind.get(ReportKind.FOLLOWUP, 0) + by_kind.get(ReportKind.DAILY, 0),
        "final": by_kind.get(ReportKind.FINAL, 0),
        "on_time": counts.get(Trigger.REPORT_ON_TIME, 0),
        "late": counts.get(Trigger.REPORT_LATE, 0),
        "missed": counts.get(Trigger.REPORT_MISSED, 0),
        "concealed_false": counts.get(Trigger.REPORT_CONCEALED, 0)
        + counts.get(Trigger.REPORT_FALSE, 0),
    }


def _uses_default_rules(start: datetime, end: datetime, within: str | None) -> bool:
    entries = ScoreEntry.objects.filter(
        occurred_at__gte=start, occurred_at__lt=end, rule__is_default=True
    )
    if within:
        entries = entries.filter(region__path__startswith=within)
    return bool(entries.exists())


def praised(rows: list[RankingRow]) -> list[RankingRow]:
    """Units with on-time or complete reports and no deduction standing."""
    return [r for r in rows if (r.on_time > 0 or r.complete > 0) and not deduction_cases(r)]


def criticised(rows: list[RankingRow]) -> list[RankingRow]:
    return [r for r in rows if deduction_cases(r)]


def _case_text(entry: dict[str, Any]) -> str:
    return str(entry["reason"]).rstrip("。；;")


def notice_docx(
    *,
    kind: str,
    year: int,
    number: int,
    issued_by: str,
    region: Any = None,
    now: datetime | None = None,
) -> tuple[bytes, dict[str, Any]]:
    """The notice of a period for ``region`` (the issuing city; None = everything).

    Returns the .docx bytes and a summary (totals, who was praised and criticised).
    """
    within = region.path if region is not None else None
    start, end = period_bounds(kind, year, number)
    when = period_label(kind, year, number)
    counties = ranking_table(kind=RankingKind.COUNTY, start=start, end=end, within=within)
    departments = [
        r
        for r in ranking_table(kind=RankingKind.DEPARTMENT, start=start, end=end, within=within)
        if r.entries
    ]
    units = counties + departments
    praise = praised(units)
    criticism = criticised(units)
    totals = _totals(start, end, within)

    doc = Document()
    section = doc.sections[0]
    section.left_margin = section.right_margin = Pt(79)
    title = notice_title(kind, year, number)
    _paragraph(doc, title, font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, _("各县区人民政府（管委会），市政府各部门："), indent=False)
    _paragraph(
        doc,
        _(
            "%(when)s，全市共接报突发事件%(incidents)d起，各县区、各部门共报送信息%(reports)d期"
            "（首报%(initial)d期、续报%(followup)d期、终报%(final)d期）。按时报送%(on_time)d次，"
            "迟报%(late)d次，漏报%(missed)d次，瞒报、谎报%(concealed_false)d次。"
            "现将有关情况通报如下："
        )
        % {"when": when, **totals},
    )

    _paragraph(doc, _("一、%(h)s") % {"h": _(PRAISE_HEADING)}, font=HEADING_FONT)
    if praise:
        names = "、".join(r.name for r in praise)
        _paragraph(
            doc,
            _("%(names)s信息报送及时、要素齐全，无迟报、漏报、瞒报、谎报情况，予以通报表扬。")
            % {"names": names},
        )
        for row in praise:
            _paragraph(
                doc,
                _(
                    "%(name)s：按时报送%(on_time)d次，首报要素齐全%(complete)d次，报送终报%(final)d期。"
                )
                % {
                    "name": row.name,
                    "on_time": row.on_time,
                    "complete": row.complete,
                    "final": row.final,
                },
            )
    else:
        _paragraph(doc, _("本期没有符合表扬条件的单位。"))

    _paragraph(doc, _("二、%(h)s") % {"h": _(CRITICISM_HEADING)}, font=HEADING_FONT)
    if criticism:
        _paragraph(doc, _("以下单位存在迟报、漏报、瞒报或谎报情况，予以通报批评："))
        for row in criticism:
            cases = "；".join(_case_text(e) for e in deduction_cases(row))
            _paragraph(doc, f"{row.name}：{cases}。")
    else:
        _paragraph(doc, _("本期未发现迟报、漏报、瞒报、谎报情况。"))

    _paragraph(doc, _("三、评分排名"), font=HEADING_FONT)
    _paragraph(doc, _("（一）县区"), indent=True)
    _table(doc, counties)
    if departments:
        _paragraph(doc, _("（二）市直部门"), indent=True)
        _table(doc, departments)

    _paragraph(doc, _("四、工作要求"), font=HEADING_FONT)
    _paragraph(
        doc,
        _(
            "各县区、各部门要进一步提高对突发事件信息报送工作重要性的认识，严格落实信息报告制度，"
            "按规定时限报送首报、续报和终报，做到报告及时、内容准确、要素齐全，坚决杜绝迟报、漏报、"
            "瞒报、谎报。被通报批评的单位要认真查找原因，切实整改。"
        ),
    )
    if _uses_default_rules(start, end, within):
        _paragraph(
            doc,
            _("注：本期计分采用平台“默认评分办法（示例，可修改）”，不是正式发布的评分细则。"),
            size=12,
        )
    date = timezone.localtime(now or timezone.now()).date()
    _paragraph(doc, issued_by, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _paragraph(
        doc,
        _("%(y)d年%(m)d月%(d)d日") % {"y": date.year, "m": date.month, "d": date.day},
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        indent=False,
    )
    doc.core_properties.title = title
    doc.core_properties.author = issued_by
    buffer = io.BytesIO()
    doc.save(buffer)
    summary = {
        "period": when,
        "totals": totals,
        "praised": [r.name for r in praise],
        "criticised": [r.name for r in criticism],
    }
    return buffer.getvalue(), summary


def monthly_notice_docx(
    *, year: int, month: int, issued_by: str, region: Any = None, now: datetime | None = None
) -> bytes:
    """The monthly notice as .docx bytes (see ``notice_docx``)."""
    content, _summary = notice_docx(
        kind=Period.MONTH, year=year, number=month, issued_by=issued_by, region=region, now=now
    )
    return content
