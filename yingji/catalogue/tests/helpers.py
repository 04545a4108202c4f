"""Census test files: a filled template for a registry, as bytes."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import load_workbook

from yingji.catalogue.census import CensusSpec, get_spec
from yingji.catalogue.workbook import build_workbook, header_text

# Inside county A (116.8–117.0, 36.5–36.7 in the test world), away from its edges.
A_LON, A_LAT = 116.95, 36.65
B_LON, B_LAT = 117.1, 36.6


def filled(spec_key: str, user: Any, rows: Iterable[dict[str, Any]]) -> bytes:
    """The template of ``spec_key`` with ``rows`` (header → value) from row 2."""
    spec = get_spec(spec_key)
    assert spec is not None
    wb = load_workbook(io.BytesIO(build_workbook(spec, user)))
    ws = wb.worksheets[0]
    titles = [c.title for c in spec.columns]
    for row in rows:
        unknown = set(row) - set(titles)
        assert not unknown, unknown
        ws.append([row.get(t) for t in titles])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def sheet_rows(content: bytes, sheet: int = 0) -> list[tuple[Any, ...]]:
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return list(wb.worksheets[sheet].iter_rows(values_only=True))


def headers(spec: CensusSpec) -> Sequence[str]:
    return [header_text(c) for c in spec.columns]


def import_rows(
    user: Any,
    key: str,
    rows: Iterable[dict[str, Any]],
    mode: str = "all_or_nothing",
    **kwargs: Any,
) -> Any:
    """Fill the template of ``key`` with ``rows`` and import it now; the job."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yingji.catalogue import services

    return services.import_job_create(
        actor=user,
        spec=get_spec(key),
        upload=SimpleUploadedFile(f"{key}.xlsx", filled(key, user, rows)),
        mode=mode,
        run_now=True,
        **kwargs,
    )


def faults_by_row(job: Any) -> dict[int, list[tuple[str, str]]]:
    """The job's faults as {row: [(column, reason), …]}."""
    out: dict[int, list[tuple[str, str]]] = {}
    for fault in job.faults:
        out.setdefault(int(fault["row"]), []).append((fault["column"], fault["reason"]))
    return out


def template_dropdowns(key: str, user: Any) -> dict[str, list[str]]:
    """Each data-validated column of ``key``'s template: header → the list it offers."""
    from openpyxl.utils import column_index_from_string

    from yingji.catalogue.workbook import CODES_SHEET

    spec = get_spec(key)
    assert spec is not None
    wb = load_workbook(io.BytesIO(build_workbook(spec, user)))
    data, codes = wb.worksheets[0], wb[CODES_SHEET]
    out: dict[str, list[str]] = {}
    for validation in data.data_validations.dataValidation:
        assert validation.type == "list" and CODES_SHEET in validation.formula1
        letter = str(validation.sqref).split(":")[0].rstrip("0123456789")
        header = data.cell(row=1, column=column_index_from_string(letter)).value
        code_letter = validation.formula1.split("!$")[1].split("$")[0]
        values = [c.value for c in codes[code_letter][1:] if c.value is not None]
        out[str(header).rstrip("*")] = [str(v) for v in values]
    return out
