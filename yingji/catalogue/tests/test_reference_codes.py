"""The code lists shipped as data agree with ``standards.md`` §1.4 (hazards 2xxxx,
protection targets 3xxxx, the 4xxxx resource codes in use) and §6 (GB/T 38565 大类).

Every code the reference names is present with a name that contains the reference's
(abridged) name; codes the reference marks as damaged in its source are present and
flagged ``doubtful``; every doubtful code says why.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.utils.translation import override

from yingji.core.registry import CodeTable
from yingji.core.testing import standards
from yingji.experts.choices import ExpertCode
from yingji.hazards.codes import HAZARD_CODES
from yingji.shelters.choices import SHELTER_CODES, ShelterKind
from yingji.targets.codes import TARGET_CODES
from yingji.teams.choices import TeamCode

CODE = re.compile(r"^[1-5]\d[0-9A-HJ-NP-Z]\d\d$")  # I and O are never used as letters


def test_the_snapshot_is_what_the_reference_says() -> None:
    if not standards.REFERENCE.exists():
        pytest.skip("the shared reference folder is not here")
    parsed = standards.parse_section_1_4(standards.REFERENCE.read_text(encoding="utf-8"))
    assert parsed["20000"] == standards.HAZARDS
    assert parsed["30000"] == standards.TARGETS


@pytest.mark.parametrize(
    ("table", "reference", "nameless", "uncertain", "top"),
    [
        (HAZARD_CODES, standards.HAZARDS, standards.NAMELESS_HAZARDS, frozenset(), "2"),
        (
            TARGET_CODES,
            standards.TARGETS,
            standards.NAMELESS_TARGETS,
            standards.UNCERTAIN_TARGETS,
            "3",
        ),
    ],
    ids=["hazards", "targets"],
)
def test_code_table_agrees_with_the_reference(
    table: CodeTable,
    reference: dict[str, str],
    nameless: frozenset[str],
    uncertain: frozenset[str],
    top: str,
) -> None:
    codes = table.codes
    missing = sorted((set(reference) | nameless | uncertain) - set(codes))
    assert not missing, f"codes of standards.md §1.4 missing from {table.path.name}: {missing}"
    wrong = {
        code: (codes[code].name, name)
        for code, name in reference.items()
        if not standards.matches(name, codes[code].name)
    }
    assert not wrong, f"names that disagree with standards.md §1.4: {wrong}"
    assert {c for c in uncertain if not codes[c].doubtful} == set()
    for code, entry in codes.items():
        assert CODE.match(code) and code.startswith(top), code
        assert entry.name.strip() == entry.name and entry.name, code
        assert not entry.doubtful or entry.note, f"{code} is doubtful without saying why"
        parent = code[:2] + "000" if code[3:] == "00" else code[:3] + "00"
        if code.endswith("000"):
            parent = top + "0000"
        assert code == top + "0000" or parent in codes, f"{code} has no parent {parent}"


def test_resource_codes_in_use_agree_with_the_reference() -> None:
    with override("zh-hans"):
        labels = {code: str(label) for code, label in [*ExpertCode.choices, *TeamCode.choices]}
        kinds = dict(ShelterKind.choices)
        for code, label in labels.items():
            if code in standards.RESOURCES:
                assert standards.matches(standards.RESOURCES[code], label), (code, label)
            else:
                assert code.endswith("99"), f"{code} is not in standards.md §1.4"
        assert {c for c in standards.RESOURCES if c[:3] in ("42A", "42E")} <= set(labels)
        for kind, code in SHELTER_CODES.items():
            assert standards.matches(standards.RESOURCES[code], str(kinds[kind])), (kind, code)
    data = Path(__file__).resolve().parents[2] / "supplies" / "data" / "gbt38565.json"
    crosswalk = json.loads(data.read_text(encoding="utf-8"))["crosswalk_43000"]["codes"]
    expected = {c: n for c, n in standards.RESOURCES.items() if c.startswith("43")}
    assert crosswalk == expected


def test_gbt38565_top_classes() -> None:
    """§6: three 大类 with these names; the lower levels are local data (not standard)."""
    data = Path(__file__).resolve().parents[2] / "supplies" / "data"
    standard = json.loads((data / "gbt38565.json").read_text(encoding="utf-8"))
    assert {c["code"]: c["name"] for c in standard["categories"]} == {
        "1": "基本生活保障物资",
        "2": "应急装备及配套物资",
        "3": "工程材料与机械加工设备",
    }
    assert standard["code_digits"] == [1, 3, 5, 7] and standard["catch_all"] == "99"
    local = json.loads((data / "local_catalogue.json").read_text(encoding="utf-8"))
    for entry in [*local["categories"], *local["items"]]:
        assert not entry.get("is_standard", False), entry["code"]
        assert entry["code"][0] in "123", entry["code"]
