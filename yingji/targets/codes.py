"""The 3xxxx protection-target codes (standards.md §1.4 ◐), as data in ``data/target_codes.csv``."""

from __future__ import annotations

from pathlib import Path

from yingji.core.registry import CodeTable

TARGET_CODES = CodeTable(Path(__file__).parent / "data" / "target_codes.csv")


def validate_target_code(value: str) -> None:
    TARGET_CODES.validate(value)


def target_code_choices() -> list[tuple[str, str]]:
    return TARGET_CODES.choices()
