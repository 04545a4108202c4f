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
