"""The GB/T 35561 code table: the data file, its checks, the loader and the command."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from yingji.incidents.models import IncidentType
from yingji.incidents.reference import (
    COLUMNS,
    INCIDENT_TYPES_CSV,
    SUBCATEGORY_LETTERS,
    ReferenceDataError,
    TypeRow,
    depth_of,
    is_valid_code,
    load_incident_types,
    parent_code_of,
    read_incident_types,
    validate_rows,
)

ROWS = read_incident_types()
BY_CODE = {row.code: row for row in ROWS}

# The sub-categories of standards.md §1.3, category by category.
EXPECTED_SUBCATEGORIES = {
    "11": "ABCDEFGY",
    "12": "ABCDEFGHJKLMNPQRSTUY",
    "13": "ABCDEFGY",
    "14": "ABCDEFGHY",
}


class TestDataFile:
    def test_has_every_code_of_the_1xxxx_table(self):
        assert len(ROWS) == 371
        assert {"10000", "11000", "12000", "13000", "14000", "19000"} <= BY_CODE.keys()
        for category, letters in EXPECTED_SUBCATEGORIES.items():
            found = {r.code[2] for r in ROWS if r.depth == 2 and r.code.startswith(category)}
            assert found == set(letters), category
        # a few types a duty officer will pick every week
        assert BY_CODE["11B03"].name == "暴雨事件"
        assert BY_CODE["11A02"].name == "内涝"
        assert BY_CODE["12H02"].name == "撞车事件"
        assert BY_CODE["12D02"].name == "危险化学品泄漏事故"

    def test_codes_follow_the_scheme(self):
        for row in ROWS:
            assert len(row.code) == 5, row
            assert row.code[0] == "1", row
            assert row.code[1] in "012349", row
            assert is_valid_code(row.code), row
            # I and O are never sub-category letters (they read as 1 and 0)
            assert row.code[2] not in "IO", row

    def test_no_duplicate_codes(self):
        counts = Counter(row.code for row in ROWS)
        assert [code for code, n in counts.items() if n > 1] == []

    def test_every_parent_exists_one_level_up(self):
        for row in ROWS:
            if row.code == "10000":
                assert row.parent is None and row.depth == 0
                continue
            assert row.parent in BY_CODE, row
            assert BY_CODE[row.parent].depth == row.depth - 1, row
            assert row.code.startswith(row.parent.rstrip("0")[: len(row.code)]), row

    def test_depths(self):
        assert BY_CODE["10000"].depth == 0
        assert BY_CODE["11000"].depth == 1
        assert BY_CODE["11A00"].depth == 2
        assert BY_CODE["11A01"].depth == 3
        assert BY_CODE["11Y00"].depth == 2
        assert BY_CODE["19000"].depth == 1

    def test_names_present(self):
        for row in ROWS:
            assert row.name.strip(), row
            assert "\\" not in row.name and "'" not in row.name, row

    def test_doubtful_rows_are_flagged_with_the_source_text(self):
        doubtful = {row.code for row in ROWS if row.is_doubtful}
        # OCR-damaged codes in the source, corrected (standards.md §1.3 "src: …")
        for code in ("11G01", "11G08", "12G99", "12S00", "12S01", "13G00", "14A10", "14B15"):
            assert code in doubtful, code
            assert BY_CODE[code].note, code
        # out-of-sequence or unsure codes kept as in the source
        assert {"11A10", "12T99"} <= doubtful
        assert "src: 11001" in BY_CODE["11G01"].note
        # clean rows are not flagged
        assert not BY_CODE["11B06"].is_doubtful
        assert not BY_CODE["11A01"].is_doubtful
        # plain typos are corrected without the flag (the source text stays in the note)
        assert not BY_CODE["11B03"].is_doubtful
        assert "src:" in BY_CODE["11B03"].note
        assert len(doubtful) == 21

    def test_the_file_validates(self):
        assert validate_rows(ROWS) == []


class TestValidation:
    def row(self, **kwargs):
        base = TypeRow(
            code="11A01", name="洪水", parent="11A00", depth=3, is_doubtful=False, note=""
        )
        return replace(base, **kwargs)

    def test_bad_rows_are_named(self):
        rows = [
            *ROWS,
            self.row(code="11A01", line=400),  # duplicate
            self.row(code="11I01", parent="11I00", line=401),  # I is not a letter we use
            self.row(code="11O00", parent="11000", depth=2, line=402),
            self.row(code="11Z01", parent="11Z00", line=403),  # parent missing
            self.row(code="11Y05", parent="11Y00", name="", line=404),
            self.row(code="11Y06", parent="11Y00", depth=2, line=405),
            self.row(code="11Y07", parent="11000", line=406),
            self.row(code="1B001", parent="10000", line=407),
        ]
        errors = validate_rows(rows, filename="t.csv")
        text = "\n".join(errors)
        assert "第 400 行（11A01）：代码重复" in text
        assert "第 401 行（11I01）：代码不符合" in text
        assert "第 402 行（11O00）：代码不符合" in text
        assert "第 403 行（11Z01）：上级代码 11Z00 不在表中" in text
        assert "第 404 行（11Y05）：名称为空" in text
        assert "第 405 行（11Y06）：层级应为 3" in text
        assert "第 406 行（11Y07）：上级应为 11Y00" in text
        assert "第 407 行（1B001）：代码不符合" in text

    def test_read_refuses_a_damaged_file(self, tmp_path: Path):
        bad = tmp_path / "types.csv"
        text = INCIDENT_TYPES_CSV.read_text(encoding="utf-8")
        bad.write_text(text.replace("11B03,暴雨事件", "11B0S,暴雨事件"), encoding="utf-8")
        with pytest.raises(ReferenceDataError) as caught:
            read_incident_types(bad)
        assert any("11B0S" in e for e in caught.value.errors)

    def test_read_refuses_a_wrong_header(self, tmp_path: Path):
        bad = tmp_path / "types.csv"
        bad.write_text("code,name\n10000,突发事件\n", encoding="utf-8")
        with pytest.raises(ReferenceDataError, match="表头"):
            read_incident_types(bad)

    @given(
        category=st.sampled_from("12349"),
        letter=st.sampled_from(SUBCATEGORY_LETTERS),
        number=st.integers(min_value=1, max_value=99),
    )
    def test_parent_chain_reaches_the_root(self, category, letter, number):
        code = f"1{category}{letter}{number:02d}"
        assert is_valid_code(code)
        chain = [code]
        while (parent := parent_code_of(chain[-1])) is not None:
            assert is_valid_code(parent)
            assert depth_of(parent) == depth_of(chain[-1]) - 1
            chain.append(parent)
        assert chain[1:] == [f"1{category}{letter}00", f"1{category}000", "10000"]

    @given(st.text(alphabet="0123456789ABIOYZ", min_size=5, max_size=5))
    def test_codes_with_i_or_o_are_refused(self, code):
        if "I" in code or "O" in code:
            assert not is_valid_code(code)


@pytest.mark.django_db
class TestLoading:
    def test_the_migration_loaded_every_code(self):
        assert IncidentType.objects.count() == len(ROWS)
        rainstorm = IncidentType.objects.select_related("parent__parent__parent").get(code="11B03")
        assert rainstorm.name == "暴雨事件"
        assert rainstorm.depth == 3
        assert rainstorm.parent.code == "11B00"
        assert rainstorm.parent.parent.code == "11000"
        assert rainstorm.parent.parent.parent.code == "10000"
        assert IncidentType.objects.get(code="11G01").is_doubtful
        assert IncidentType.objects.filter(is_doubtful=True).count() == 21

    def test_loading_again_changes_nothing(self):
        result = load_incident_types()
        assert (result.created, result.updated, result.unchanged) == (0, 0, len(ROWS))

    def test_loader_updates_by_code_and_keeps_ids_and_active_flag(self):
        flood = IncidentType.objects.get(code="11A01")
        IncidentType.objects.filter(pk=flood.pk).update(name="改错的名字", is_active=False)
        IncidentType.objects.filter(code="11B99").delete()
        result = load_incident_types()
        assert (result.created, result.updated) == (1, 1)
        flood.refresh_from_db()
        assert flood.name == "洪水"
        assert flood.is_active is False  # an administrator's choice survives a reload
        assert IncidentType.objects.get(code="11B99").parent.code == "11B00"

    def test_loader_refuses_bad_rows_and_writes_nothing(self):
        before = IncidentType.objects.count()
        bad = [TypeRow("11Z01", "x", "11Z00", 3, False, "", 1)]
        with pytest.raises(ReferenceDataError):
            load_incident_types(rows=bad)
        assert IncidentType.objects.count() == before

    def test_command(self, capsys):
        IncidentType.objects.filter(code="14Y02").delete()
        call_command("load_incident_types")
        out = capsys.readouterr().out
        assert "新增 1" in out and "371 个代码" in out
        assert IncidentType.objects.filter(code="14Y02").exists()

    def test_command_check_and_bad_file(self, tmp_path: Path, capsys):
        call_command("load_incident_types", "--check")
        assert "检查通过" in capsys.readouterr().out
        bad = tmp_path / "types.csv"
        bad.write_text(
            ",".join(COLUMNS) + "\n10000,突发事件,,0,0,\n11000,,10000,1,0,\n", encoding="utf-8"
        )
        with pytest.raises(CommandError, match="第 3 行（11000）：名称为空"):
            call_command("load_incident_types", "--file", str(bad))
        with pytest.raises(CommandError, match="找不到"):
            call_command("load_incident_types", "--file", str(tmp_path / "none.csv"))


@pytest.mark.django_db
class TestTypePicker:
    """The picker include renders, and the types API gives it the whole table in one go."""

    def render(self, snippet: str, **context) -> str:
        from django.template import Context, Template

        return Template("{% load static %}" + snippet).render(Context(context))

    def test_include_renders_for_a_form_field(self):
        from django import forms

        class F(forms.Form):
            incident_type = forms.CharField()

        form = F(data={"incident_type": "11B03"})
        form.is_valid()
        html = self.render(
            '{% include "incidents/_type_picker.html" with field=form.incident_type '
            'name="incident_type" %}',
            form=form,
        )
        assert "data-type-picker" in html
        assert 'data-url="/api/v1/incidents/types/"' in html
        assert 'data-value-field="code"' in html
        assert (
            '<input type="hidden" name="incident_type" value="11B03" data-type-picker-value>'
            in html
        )
        # the visible box carries the field's id, so <label for="id_incident_type"> works
        assert 'id="id_incident_type"' in html
        assert 'aria-controls="id_incident_type-list"' in html
        assert 'id="id_incident_type-list" role="listbox"' in html
        assert 'data-text-doubtful="存疑"' in html
        assert "/static/js/type-picker.js" in html
        assert "http://" not in html and "https://" not in html  # no outside asset

    def test_include_with_an_id_value_and_no_field(self):
        html = self.render(
            '{% include "incidents/_type_picker.html" with name="type" value=7 value_field="id" '
            "required=False %}"
        )
        assert '<input type="hidden" name="type" value="7" data-type-picker-value>' in html
        assert 'data-value-field="id"' in html
        assert 'id="id_type"' in html
        assert "aria-required" not in html

    def test_include_without_a_value_says_nothing_is_chosen(self):
        html = self.render('{% include "incidents/_type_picker.html" %}')
        assert 'name="incident_type" value=""' in html
        assert "尚未选择事件类型" in html
        assert 'aria-required="true"' in html

    def test_types_api_gives_the_picker_every_row_in_one_request(self, settings):
        from rest_framework.test import APIClient

        from yingji.accounts.choices import Role
        from yingji.core.testing.world import build_world

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        client = APIClient()
        client.force_authenticate(build_world().user(Role.INFO_OFFICER, "a"))
        response = client.get("/api/v1/incidents/types/", {"page_size": 1000, "ordering": "code"})
        assert response.status_code == 200
        body = response.json()
        rows = body["results"] if isinstance(body, dict) else body
        assert len(rows) == len(ROWS)
        assert {"id", "code", "name", "parent", "depth", "is_doubtful"} <= set(rows[0])
        by_code = {row["code"]: row for row in rows}
        assert by_code["11B03"]["parent"] in ("11B00", by_code["11B00"]["id"])
        assert by_code["11G01"]["is_doubtful"] is True
        assert by_code["10000"]["parent"] is None
