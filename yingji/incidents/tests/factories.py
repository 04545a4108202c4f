"""Builders for incident tests: points in the test world, payloads, incidents, files."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yingji.core.testing.world import World
from yingji.geo.models import Region
from yingji.incidents.choices import IncidentStatus, ReportKind, ReportMode, SourceChannel
from yingji.incidents.models import Incident, IncidentType, Report

_seq = count(1)

# Points of the test world (yingji.core.testing.world): county A is the square at
# (116.8, 36.5) of side 0.2 with township 370102001 its south-west quarter; county B is
# the square at (117.0, 36.5).
IN_TOWNSHIP_A = (116.85, 36.55)
IN_COUNTY_A = (116.95, 36.65)
IN_COUNTY_B = (117.05, 36.55)
OUTSIDE = (100.0, 30.0)


def incident_type(code: str = "11B03") -> IncidentType:
    """A GB/T 35561 type (loaded by migration 0003); created if the table is empty."""
    found: IncidentType | None = IncidentType.objects.filter(code=code).first()
    if found is None:
        found = IncidentType.objects.create(code=code, name=f"类型{code}", depth=3)
    return found


def payload(**extra: Any) -> dict[str, Any]:
    """A valid intake payload for ``services.incident_report`` (a point in county A)."""
    n = next(_seq)
    data: dict[str, Any] = {
        "title": f"历下区测试路段积水{n}",
        "incident_type": "11A02",
        "occurred_at": timezone.now() - timedelta(minutes=20),
        "lon": IN_COUNTY_A[0],
        "lat": IN_COUNTY_A[1],
        "source_channel": SourceChannel.PHONE,
        "address": "历下区测试路 1 号",
        "description": "道路积水约 40 厘米，车辆无法通行。",
    }
    data.update(extra)
    return data


def point_for(world: World, region: Region) -> tuple[float, float]:
    if region == world.county_b:
        return IN_COUNTY_B
    if region == world.township_a:
        return IN_TOWNSHIP_A
    return IN_COUNTY_A


def make_incident(
    world: World,
    region: Region | None = None,
    *,
    title: str = "",
    received_at: datetime | None = None,
    with_report: bool = True,
    **extra: Any,
) -> Incident:
    """An incident written directly (no service): for list, permission and filter tests."""
    region = region or world.county_a
    n = next(_seq)
    received_at = received_at or timezone.now() - timedelta(hours=1)
    lon, lat = point_for(world, region)
    fields: dict[str, Any] = {
        "title": title or f"{region.name}测试事件{n}",
        "incident_type": incident_type(extra.pop("type_code", "11A02")),
        "occurred_at": received_at - timedelta(minutes=30),
        "received_at": received_at,
        "source_channel": SourceChannel.PHONE,
        "region": region,
        "owner_unit": world.unit_b if region == world.county_b else world.unit_a,
        "status": IncidentStatus.RECEIVED,
    }
    fields.update(extra)
    incident = Incident(**fields)
    incident.set_point(lon, lat)
    incident.save()
    if with_report:
        make_report(incident, kind=ReportKind.INITIAL, submitted_at=received_at)
    return incident


def make_report(incident: Incident, **extra: Any) -> Report:
    fields: dict[str, Any] = {
        "incident": incident,
        "kind": ReportKind.FOLLOWUP,
        "sequence": 0,
        "mode": ReportMode.WRITTEN,
        "submitted_at": timezone.now(),
        "body": "现场情况平稳。",
    }
    fields.update(extra)
    report: Report = Report.objects.create(**fields)
    return report


# --- files with real magic bytes -------------------------------------------------------------
def _ftyp(brand: bytes, compatible: bytes = b"isom") -> bytes:
    box = b"ftyp" + brand + b"\x00\x00\x02\x00" + compatible
    return len(box + b"\x00\x00\x00\x00").to_bytes(4, "big") + box + b"\x00" * 64


def docx_bytes(text: str = "附件文档") -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["受灾点", "人数"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def zip_bytes() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.sh", "rm -rf /")
    return buffer.getvalue()


SAMPLES: dict[str, bytes] = {
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200,
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200,
    "webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 200,
    "heic": _ftyp(b"heic", b"mif1"),
    "mp4": _ftyp(b"isom", b"mp41"),
    "mov": _ftyp(b"qt  ", b"qt  "),
    "m4a": _ftyp(b"M4A ", b"mp42"),
    "amr": b"#!AMR\n" + b"\x3c" * 200,
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 200,
}


def upload(fmt: str, name: str = "", content: bytes | None = None) -> SimpleUploadedFile:
    """An uploaded file of format ``fmt``; the name and declared type are deliberately odd."""
    if content is None:
        if fmt == "docx":
            content = docx_bytes()
        elif fmt == "xlsx":
            content = xlsx_bytes()
        else:
            content = SAMPLES[fmt]
    return SimpleUploadedFile(name or f"现场.{fmt}", content, content_type="text/plain")
