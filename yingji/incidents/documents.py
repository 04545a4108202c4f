"""Word documents made from an incident's report chain (python-docx).

- :func:`provincial_report_docx` — the upward report to the province (报省): title,
  reporting unit, time, the content fields of standards.md §3.2 taken from the latest
  reports, a casualties table and the sign-off;
- :func:`special_report_docx` — the incident special report (信息专报): the whole chain,
  首报, 续报…, 终报, in order.

Both return the file's bytes; the API serves them as downloads.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from .choices import IncidentStatus, ReportMode, Severity, SourceChannel
from .models import Incident, Report
from .selectors import latest_report_values, report_chain

BODY_FONT = "仿宋"
TITLE_FONT = "方正小标宋简体"


def _fmt(value: datetime | None) -> str:
    if value is None:
        return ""
    return f"{timezone.localtime(value):%Y年%m月%d日 %H:%M}"


def _set_font(run: Any, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _document() -> Any:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = BODY_FONT
    style.font.size = Pt(14)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    return doc


def _title(doc: Any, text: str, size: float = 22) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(paragraph.add_run(text), TITLE_FONT, size, bold=True)


def _line(doc: Any, label: str, value: str) -> None:
    paragraph = doc.add_paragraph()
    _set_font(paragraph.add_run(f"{label}："), "黑体", 14, bold=True)
    _set_font(paragraph.add_run(value or "—"), BODY_FONT, 14)


def _heading(doc: Any, text: str) -> None:
    paragraph = doc.add_paragraph()
    _set_font(paragraph.add_run(text), "黑体", 15, bold=True)


def _casualties(report_or_incident: Any) -> list[tuple[str, str]]:
    def show(name: str) -> str:
        value = getattr(report_or_incident, name, None)
        return "—" if value is None else str(value)

    return [
        ("死亡（人）", show("deaths")),
        ("重伤（人）", show("serious_injuries")),
        ("受伤（人）", show("injuries")),
        ("失踪（人）", show("missing")),
        ("被困（人）", show("trapped")),
        ("直接经济损失（万元）", show("direct_loss")),
    ]


def _table(doc: Any, rows: list[tuple[str, str]]) -> None:
    table = doc.add_table(rows=2, cols=len(rows))
    table.style = "Table Grid"
    for i, (label, value) in enumerate(rows):
        table.cell(0, i).text = label
        table.cell(1, i).text = value


def _bytes(doc: Any) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _unit_name(incident: Incident) -> str:
    unit = incident.owner_unit or incident.reporting_unit
    return unit.name if unit else incident.region.name


def provincial_report_docx(incident: Incident, *, now: datetime | None = None) -> bytes:
    """The upward report to the province (突发事件信息报告), from the latest reports."""
    now = now or timezone.now()
    values = latest_report_values(incident)
    chain = report_chain(incident)
    doc = _document()
    _title(doc, "突发事件信息报告")
    _title(doc, incident.title, 16)
    _line(doc, "编号", incident.number)
    _line(doc, "报告单位", _unit_name(incident))
    _line(doc, "报告时间", _fmt(now))
    _line(doc, "事件级别", str(Severity(incident.severity).label))
    _line(doc, "事件类型", str(incident.incident_type))
    _line(doc, "当前状态", str(IncidentStatus(incident.status).label))
    _heading(doc, "一、基本情况")
    _line(doc, "接报时间", _fmt(incident.received_at))
    _line(
        doc,
        "信息来源",
        values.get("source_info") or str(SourceChannel(incident.source_channel).label),
    )
    _line(doc, "事发时间", _fmt(incident.occurred_at))
    _line(
        doc,
        "事发地点",
        values.get("location_text") or incident.address or incident.region.name,
    )
    _line(doc, "事件性质", values.get("nature") or incident.incident_type.name)
    _line(doc, "影响范围", values.get("scope_of_impact", ""))
    _heading(doc, "二、人员伤亡和财产损失")
    _table(doc, _casualties(incident))
    _heading(doc, "三、事件经过与发展趋势")
    doc.add_paragraph(values.get("body") or incident.description or "—")
    _line(doc, "发展趋势", values.get("trend", ""))
    _heading(doc, "四、处置情况")
    _line(doc, "领导到位情况", values.get("leaders_on_scene", ""))
    _line(doc, "已采取措施", values.get("measures_taken", ""))
    _line(doc, "请求与建议", values.get("requests", ""))
    _heading(doc, "五、现场联系人")
    contact = incident.scene_contact_name or values.get("scene_contact_name", "")
    phone = incident.scene_contact_phone or values.get("scene_contact_phone", "")
    title = values.get("scene_contact_title", "")
    _line(doc, "现场负责人", "，".join(part for part in (contact, title, phone) if part))
    _line(doc, "已报送", "、".join(_report_name(r) for r in chain))
    signer = values.get("signed_off_by", "")
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _set_font(
        paragraph.add_run(
            f"签发：{signer}　{_fmt(values.get('signed_off_at'))}" if signer else "签发：________"
        ),
        BODY_FONT,
        14,
    )
    return _bytes(doc)


def _report_name(report: Report) -> str:
    return f"{report.label}（{ReportMode(report.mode).label}）"


def special_report_docx(incident: Incident, *, now: datetime | None = None) -> bytes:
    """The incident special report (信息专报): every report of the chain, in order."""
    now = now or timezone.now()
    doc = _document()
    _title(doc, "信息专报")
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(
        paragraph.add_run(f"{_unit_name(incident)}　　{_fmt(now)}　　编号 {incident.number}"),
        BODY_FONT,
        12,
    )
    _title(doc, incident.title, 16)
    _line(
        doc,
        "概况",
        f"{_fmt(incident.occurred_at)}，{incident.address or incident.region.name}发生"
        f"{incident.incident_type.name}（{Severity(incident.severity).label}）。",
    )
    _table(doc, _casualties(incident))
    for report in report_chain(incident):
        _heading(doc, _report_name(report))
        _line(doc, "报告时间", _fmt(report.submitted_at))
        _line(doc, "报告单位", report.unit.name if report.unit else "")
        for label, name in (
            ("信息来源", "source_info"),
            ("事发地点", "location_text"),
            ("事件性质", "nature"),
            ("影响范围", "scope_of_impact"),
            ("发展趋势", "trend"),
            ("领导到位情况", "leaders_on_scene"),
            ("已采取措施", "measures_taken"),
            ("请求与建议", "requests"),
        ):
            value = getattr(report, name)
            if value:
                _line(doc, label, value)
        if report.body:
            doc.add_paragraph(report.body)
        figures = [(label, value) for label, value in _casualties(report) if value != "—"]
        if figures:
            _line(doc, "伤亡与损失", "，".join(f"{label} {value}" for label, value in figures))
        if report.signed_off_by:
            _line(doc, "签发", f"{report.signed_off_by}　{_fmt(report.signed_off_at)}")
    return _bytes(doc)
