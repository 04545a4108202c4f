"""The 2xxxx hazard codes (standards.md §1.4 ◐), kept as data in ``data/hazard_codes.csv``."""

from __future__ import annotations

from pathlib import Path

from yingji.core.registry import CodeTable

HAZARD_CODES = CodeTable(Path(__file__).parent / "data" / "hazard_codes.csv")
#: Low-lying road sections are waterlogging risk areas.
LOW_LYING_ROAD_CODE = "21A02"


def validate_hazard_code(value: str) -> None:
    HAZARD_CODES.validate(value)


def hazard_code_choices() -> list[tuple[str, str]]:
    return HAZARD_CODES.choices()
