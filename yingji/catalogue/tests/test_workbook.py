"""The template: Chinese headers, 填写说明, drop-downs pointing at a hidden 代码表, frozen."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from yingji.accounts.choices import Role
from yingji.catalogue.census import all_specs, get_spec
from yingji.catalogue.workbook import (
    CODES_SHEET,
    GUIDE_SHEET,
    build_workbook,
    header_text,
    map_headers,
    read_table,
)
from yingji.core.testing.world import build_world

pytestmark = pytest.mark.django_db

EXPECTED_SPECS = {
    "teams.team",
    "experts.expert",
    "shelters.shelter",
    "hazards.hazardsource",
    "hazards.lowlyingroad",
    "targets.protectiontarget",
    "supplies.warehouse",
    "supplies.stocklot",
    "supplies.supplyitem",
    "equipment.equipment",
    "teams.teammember",
    "hazards.waterdepthrecord",
    "supplies.stockminimum",
    "supplies.supplycategory",
    "experts.expertterm",
}


def test_every_registry_has_a_spec() -> None:
    assert {s.key for s in all_specs()} >= EXPECTED_SPECS


@pytest.mark.parametrize("key", sorted(EXPECTED_SPECS))
def test_template_opens_with_dropdowns_and_reads_back(key: str) -> None:
    world = build_world()
    user = world.user(Role.COUNTY_OFFICER, "a")
    spec = get_spec(key)
    content = build_workbook(spec, user)
    wb = load_workbook(io.BytesIO(content))
    data, guide, codes = wb.worksheets[0], wb[GUIDE_SHEET], wb[CODES_SHEET]
    assert [c.value for c in data[1]] == [header_text(c) for c in spec.columns]
    assert data.freeze_panes == "A2"
    assert codes.sheet_state == "hidden"
    assert guide.sheet_state == "visible"
    guide_text = " ".join(str(c.value) for row in guide.iter_rows() for c in row if c.value)
    for column in spec.columns:
        assert column.title in guide_text
    choice_columns = [c for c in spec.columns if c.kind in ("choice", "crs", "bool")]
    validations = data.data_validations.dataValidation
    assert len(validations) >= len(choice_columns)
    assert all(v.type == "list" and CODES_SHEET in v.formula1 for v in validations)
    # The header row of an empty template is read back as this spec's columns.
    table = read_table(content, "template.xlsx")
    assert table.rows == []
    assert len(map_headers(spec, table.headers).positions) == len(spec.columns)


def test_region_dropdown_lists_only_the_users_regions() -> None:
    world = build_world()
    spec = get_spec("teams.team")
    wb = load_workbook(io.BytesIO(build_workbook(spec, world.user(Role.COUNTY_OFFICER, "a"))))
    codes = [c.value for c in wb[CODES_SHEET]["A"] if c.value] + [
        c.value for col in wb[CODES_SHEET].iter_cols() for c in col if c.value
    ]
    assert any(str(v).startswith("370102 ") for v in codes)
    assert not any(str(v).startswith("370103 ") for v in codes)


def test_team_kind_dropdown_shows_chinese_labels() -> None:
    world = build_world()
    spec = get_spec("teams.team")
    wb = load_workbook(io.BytesIO(build_workbook(spec, world.user(Role.CITY_ADMIN))))
    values = {c.value for col in wb[CODES_SHEET].iter_cols() for c in col}
    assert "专业救援队伍" in values
    assert "WGS84" in values and "GCJ-02" in values and "BD-09" in values
