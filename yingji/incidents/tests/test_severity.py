"""The severity helper: thresholds as data, boundaries exact, monotone, and its API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import settings as settings_
from hypothesis import strategies as st
from rest_framework.test import APIClient

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world
from yingji.incidents.severity import (
    NATURAL_DISASTER,
    PRODUCTION_SAFETY,
    suggest_severity,
    thresholds,
)

URL = "/api/v1/incidents/severity-suggestion/"


def level(deaths=0, injuries=0, loss=0, category=None, missing=0) -> int:
    return suggest_severity(
        deaths=deaths,
        serious_injuries=injuries,
        direct_loss_wan=loss,
        category=category,
        missing=missing,
    ).level


class TestThresholdData:
    def test_production_safety_table_is_the_regulation(self):
        table = thresholds()[PRODUCTION_SAFETY]
        assert "493" in table["source"]
        rows = {row["level"]: row for row in table["levels"]}
        assert (rows[1]["deaths"], rows[1]["serious_injuries"], rows[1]["direct_loss_wan"]) == (
            30,
            100,
            10000,
        )
        assert (rows[2]["deaths"], rows[2]["serious_injuries"], rows[2]["direct_loss_wan"]) == (
            10,
            50,
            5000,
        )
        assert (rows[3]["deaths"], rows[3]["serious_injuries"], rows[3]["direct_loss_wan"]) == (
            3,
            10,
            1000,
        )

    def test_natural_disaster_table_names_its_doubts(self):
        table = thresholds()[NATURAL_DISASTER]
        assert "自然灾害救助应急预案" in table["source"]
        assert [r["deaths_and_missing"] for r in table["levels"]] == [200, 100, 50, 20]
        assert set(table["uncertain"]) == {"4"}


class TestProductionSafetyBoundaries:
    @pytest.mark.parametrize(
        ("deaths", "expected"),
        [(0, 4), (2, 4), (3, 3), (9, 3), (10, 2), (29, 2), (30, 1), (31, 1)],
    )
    def test_deaths(self, deaths, expected):
        assert level(deaths=deaths) == expected

    @pytest.mark.parametrize(
        ("injuries", "expected"),
        [(9, 4), (10, 3), (49, 3), (50, 2), (99, 2), (100, 1)],
    )
    def test_serious_injuries(self, injuries, expected):
        assert level(injuries=injuries) == expected

    @pytest.mark.parametrize(
        ("loss", "expected"),
        [
            ("999.99", 4),
            ("1000", 3),
            ("4999.99", 3),
            ("5000", 2),
            ("9999.99", 2),
            ("10000", 1),  # 1 亿元 = 10000 万元
            ("10000.01", 1),
        ],
    )
    def test_direct_loss_in_wan(self, loss, expected):
        assert level(loss=Decimal(loss)) == expected
        assert level(loss=loss) == expected  # strings and floats too
        assert level(loss=float(loss)) == expected

    def test_any_one_criterion_and_the_highest_wins(self):
        assert level(deaths=1, injuries=10, loss=0) == 3
        assert level(deaths=3, injuries=50, loss=10000) == 1
        suggestion = suggest_severity(deaths=10, serious_injuries=0, direct_loss_wan=10000)
        assert suggestion.level == 1
        assert suggestion.reasons[0] == "直接经济损失1亿元，达到特别重大事故标准（1亿元以上）"
        assert "死亡10人，达到重大事故标准（10人以上）" in suggestion.reasons
        assert "取最高级别" in suggestion.reasons[-1]

    def test_reasons_are_sentences(self):
        assert suggest_severity(deaths=3, serious_injuries=0, direct_loss_wan=0).reasons == (
            "死亡3人，达到较大事故标准（3人以上）",
        )
        assert suggest_severity(deaths=0, serious_injuries=12, direct_loss_wan=0).reasons == (
            "重伤12人，达到较大事故标准（10人以上）",
        )
        below = suggest_severity(deaths=2, serious_injuries=9, direct_loss_wan=Decimal("999.5"))
        assert below.level == 4
        assert below.reasons == (
            "死亡2人、重伤9人、直接经济损失999.5万元，均未达到较大事故标准，为一般事故",
        )
        assert below.label == "一般（Ⅳ级）"
        assert below.uncertain is False

    def test_accident_codes_use_the_table_without_caveat(self):
        suggestion = suggest_severity(
            deaths=3, serious_injuries=0, direct_loss_wan=0, category="12D02"
        )
        assert (suggestion.level, suggestion.table, suggestion.uncertain) == (
            3,
            PRODUCTION_SAFETY,
            False,
        )

    def test_other_categories_are_a_rough_guide(self):
        suggestion = suggest_severity(
            deaths=3, serious_injuries=0, direct_loss_wan=0, category="13A01"
        )
        assert suggestion.level == 3
        assert suggestion.uncertain is True
        assert any("专项分级标准" in r for r in suggestion.reasons)

    @pytest.mark.parametrize("bad", [-1, "-0.01", "abc", "nan", "inf", [1]])
    def test_bad_numbers_are_refused(self, bad):
        with pytest.raises(ValueError):
            suggest_severity(deaths=bad, serious_injuries=0, direct_loss_wan=0)
        with pytest.raises(ValueError):
            suggest_severity(deaths=0, serious_injuries=0, direct_loss_wan=bad)

    def test_bad_category_is_refused(self):
        with pytest.raises(ValueError):
            suggest_severity(deaths=0, serious_injuries=0, direct_loss_wan=0, category="21A01")


class TestNaturalDisasters:
    @pytest.mark.parametrize(
        ("deaths", "missing", "expected"),
        [(19, 0, 4), (49, 0, 4), (50, 0, 3), (40, 10, 3), (99, 0, 3), (100, 0, 2), (199, 0, 2)],
    )
    def test_deaths_and_missing(self, deaths, missing, expected):
        assert level(deaths=deaths, missing=missing, category="11B03") == expected

    def test_level_one_is_sourced(self):
        suggestion = suggest_severity(
            deaths=150, missing=50, serious_injuries=0, direct_loss_wan=0, category="11000"
        )
        assert suggestion.level == 1
        assert suggestion.table == NATURAL_DISASTER
        assert suggestion.uncertain is False
        assert suggestion.reasons[0].startswith("死亡和失踪200人，达到自然灾害救助应急响应Ⅰ级标准")

    def test_uncertain_threshold_is_flagged_in_the_reasons(self):
        suggestion = suggest_severity(
            deaths=25, serious_injuries=0, direct_loss_wan=0, category="11A01"
        )
        assert suggestion.level == 4
        assert suggestion.uncertain is True
        assert any(r.startswith("门槛存疑") for r in suggestion.reasons)

    def test_production_safety_criteria_do_not_grade_a_flood(self):
        # 40 deaths grade an accident 特别重大 but a flood only 一般 (relief Ⅳ: 20–49)
        assert level(deaths=40, category="12A01") == 1
        assert level(deaths=40, category="11A01") == 4


counts = st.integers(min_value=0, max_value=500)
losses = st.decimals(min_value=0, max_value=50000, places=2, allow_nan=False)
categories = st.sampled_from([None, "12A01", "13B03", "11B03", "11000", "14A01"])


class TestProperties:
    @settings(max_examples=300)
    @given(d=counts, extra=counts, i=counts, loss=losses, cat=categories, m=counts)
    def test_more_deaths_never_lowers_the_level(self, d, extra, i, loss, cat, m):
        # a lower number is a more severe level
        assert level(d + extra, i, loss, cat, m) <= level(d, i, loss, cat, m)

    @settings(max_examples=300)
    @given(d=counts, i=counts, extra=counts, loss=losses, more=losses, cat=categories)
    def test_more_injuries_or_loss_never_lowers_the_level(self, d, i, extra, loss, more, cat):
        assert level(d, i + extra, loss, cat) <= level(d, i, loss, cat)
        assert level(d, i, loss + more, cat) <= level(d, i, loss, cat)

    @given(d=counts, i=counts, loss=losses)
    def test_level_is_the_highest_single_criterion(self, d, i, loss):
        assert level(d, i, loss) == min(level(d, 0, 0), level(0, i, 0), level(0, 0, loss))

    @given(d=counts, i=counts, loss=losses, cat=categories)
    def test_always_a_level_and_a_reason(self, d, i, loss, cat):
        suggestion = suggest_severity(
            deaths=d, serious_injuries=i, direct_loss_wan=loss, category=cat
        )
        assert suggestion.level in (1, 2, 3, 4)
        assert suggestion.reasons and all(suggestion.reasons)

    @given(
        row=st.sampled_from(thresholds()[PRODUCTION_SAFETY]["levels"]),
        key=st.sampled_from(["deaths", "serious_injuries", "direct_loss_wan"]),
    )
    def test_every_boundary_is_exact(self, row, key):
        value = row[key]
        at = {"deaths": 0, "serious_injuries": 0, "direct_loss_wan": 0}
        at[key] = value
        assert suggest_severity(**at).level == row["level"]
        step = Decimal("0.01") if key == "direct_loss_wan" else 1
        at[key] = value - step
        assert suggest_severity(**at).level == row["level"] + 1


@pytest.mark.django_db
class TestAPI:
    @pytest.fixture
    def client(self, settings):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        world = build_world()
        client = APIClient()
        client.force_authenticate(world.user(Role.INFO_OFFICER, "a"))
        return client

    def test_suggestion(self, client):
        response = client.get(URL, {"deaths": 3, "serious_injuries": 0, "direct_loss": "0"})
        assert response.status_code == 200
        body = response.json()
        assert body["level"] == 3
        assert body["level_display"] == "较大（Ⅲ级）"
        assert body["reasons"] == ["死亡3人，达到较大事故标准（3人以上）"]
        assert body["table"] == "production_safety"
        assert "493" in body["source"]
        assert body["type"] is None

    def test_loss_and_type(self, client):
        body = client.get(URL, {"direct_loss": "10000", "type": "12d01"}).json()
        assert (body["level"], body["type"]) == (1, "12D01")
        flood = client.get(URL, {"deaths": 60, "type": "11A01"}).json()
        assert (flood["level"], flood["table"]) == (3, "natural_disaster")

    def test_defaults_to_nothing_happened(self, client):
        body = client.get(URL).json()
        assert body["level"] == 4

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"deaths": -1}, "deaths"),
            ({"deaths": "三"}, "deaths"),
            ({"deaths": "1.5"}, "deaths"),
            ({"serious_injuries": "-3"}, "serious_injuries"),
            ({"direct_loss": "-0.01"}, "direct_loss"),
            ({"direct_loss": "abc"}, "direct_loss"),
            ({"direct_loss": "NaN"}, "direct_loss"),
            ({"direct_loss": "1e400"}, "direct_loss"),
            ({"type": "99Z99"}, "type"),
            ({"type": "x" * 500}, "type"),
            ({"type": "\x0011B0"}, "type"),
            ({"type": "１１Ｂ０３"}, "type"),
            ({"missing": "-2"}, "missing"),
        ],
    )
    def test_bad_input_is_400(self, client, params, field):
        response = client.get(URL, params)
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["code"] == "invalid"
        assert field in body["fields"]

    def test_anonymous_is_refused(self):
        assert APIClient().get(URL, {"deaths": 3}).status_code in (401, 403)


@pytest.mark.django_db
def test_any_query_string_is_200_or_400(settings):
    """Fuzz: whatever the parameters hold, the answer is a suggestion or a 400 — never a 500."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = APIClient()
    client.force_authenticate(build_world().user(Role.DUTY_OFFICER, "city"))
    values = st.one_of(
        st.text(max_size=30),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.sampled_from(["11B03", "12d01", "10000", "19000", "0", "1e5", "１０", "3.0", ""]),
    )

    @settings_(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        params=st.dictionaries(
            st.sampled_from(["deaths", "serious_injuries", "missing", "direct_loss", "type"]),
            values,
        )
    )
    def check(params):
        response = client.get(URL, params)
        assert response.status_code in (200, 400), (params, response.content[:300])
        if response.status_code == 200:
            assert response.json()["level"] in (1, 2, 3, 4)

    check()
