"""Create and edit pages of every registry (yingji/core/registry_forms.py).

One declaration per registry (``<app>/views.py``), one pair of views: writers of the
region create and edit; readers and other regions get 403/404; bad input comes back as
field errors on a 200 page with nothing saved; every save leaves a history entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from yingji.accounts.choices import Role
from yingji.core.registry_forms import FormTarget
from yingji.core.testing.world import World, build_world
from yingji.equipment.tests.factories import equipment as make_equipment
from yingji.equipment.views import EQUIPMENT_FORM
from yingji.experts.models import ExpertTerm
from yingji.experts.tests.test_api import make_expert
from yingji.experts.views import EXPERT_PAGES
from yingji.hazards.models import WaterDepthRecord
from yingji.hazards.tests.test_api import make_hazard, make_road
from yingji.hazards.views import HAZARD_PAGES, ROAD_PAGES
from yingji.shelters.tests.test_api import make_shelter
from yingji.shelters.views import SHELTER_PAGES
from yingji.supplies.models import SupplyItem
from yingji.supplies.tests import factories as supplies
from yingji.supplies.views import WAREHOUSE_FORM
from yingji.targets.tests.test_api import make_target
from yingji.targets.views import TARGET_PAGES
from yingji.teams.models import TeamMember
from yingji.teams.tests.test_api import make_team
from yingji.teams.views import TEAM_PAGES

pytestmark = pytest.mark.django_db

# Inside county A's test square (116.8–117.0, 36.5–36.7); county B lies east of 117.0.
IN_A = {"lon": "116.85", "lat": "36.55"}
IN_B = {"lon": "117.05", "lat": "36.55"}
OUTSIDE_CITY = {"lon": "118.50", "lat": "36.55"}


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Case:
    target: FormTarget
    make: Callable[[Any, int], Any]  # make(region, n)
    valid: Callable[[World], dict[str, str]]
    required: str  # a required field to leave out
    bad_code: tuple[str, str]  # (field, value not in its code list)
    bad_number: tuple[str, str]
    change: tuple[str, str, Any]  # (field, posted, stored)

    @property
    def id(self) -> str:
        return self.target.slug


CASES = [
    Case(
        TEAM_PAGES.form_target,
        make_team,
        lambda w: {
            "name": "历下区排水抢险队",
            "kind": "professional",
            "sector": "water",
            "head_count": "30",
            "readiness": "ready",
            **IN_A,
        },
        "name",
        ("kind", "no-such-kind"),
        ("head_count", "三十"),
        ("head_count", "42", 42),
    ),
    Case(
        EXPERT_PAGES.form_target,
        lambda region, n: make_expert(region, n),
        lambda w: {
            "name": "李某",
            "title": "associate",
            "code": "42A01",
            "availability": "available",
            "region": str(w.county_a.pk),
        },
        "name",
        ("code", "99X99"),
        ("review_interval_days", "-3"),
        ("employer", "某水利设计院", "某水利设计院"),
    ),
    Case(
        SHELTER_PAGES.form_target,
        make_shelter,
        lambda w: {
            "name": "泉城公园避难场所",
            "kind": "park",
            "status": "open",
            "capacity": "3000",
            "has_water": "on",
            **IN_A,
        },
        "name",
        ("kind", "castle"),
        ("capacity", "-5"),
        ("capacity", "5000", 5000),
    ),
    Case(
        HAZARD_PAGES.form_target,
        make_hazard,
        lambda w: {"name": "某加油站", "code": "22A11", "level": "general", **IN_A},
        "name",
        ("code", "99999"),
        ("review_interval_days", "很久"),
        ("level", "major", "major"),
    ),
    Case(
        ROAD_PAGES.form_target,
        make_road,
        lambda w: {
            "road_name": "经十路下穿",
            "warning_depth_cm": "27",
            "pump_count": "2",
            "is_underpass": "on",
            **IN_A,
        },
        "road_name",
        ("source_crs", "mars"),
        ("warning_depth_cm", "abc"),
        ("pump_count", "4", 4),
    ),
    Case(
        TARGET_PAGES.form_target,
        make_target,
        lambda w: {"name": "某小学", "kind": "school", "population": "800", **IN_A},
        "name",
        ("code", "99999"),
        ("population", "1.5"),
        ("population", "900", 900),
    ),
    Case(
        EQUIPMENT_FORM,
        lambda region, n: make_equipment(region),
        lambda w: {
            "name": "排水车",
            "kind": "drainage_truck",
            "owner_kind": "enterprise",
            "owner_name": "某市政工程公司",
            "status": "available",
            **IN_A,
        },
        "name",
        ("kind", "spaceship"),
        ("capacity", "很大"),
        ("plate_no", "鲁A12345", "鲁A12345"),
    ),
    Case(
        WAREHOUSE_FORM,
        lambda region, n: supplies.warehouse(region),
        lambda w: {"name": "历下区储备库", "kind": "government", "is_active": "on", **IN_A},
        "name",
        ("kind", "cave"),
        ("area_m2", "大约"),
        ("keeper", "王五", "王五"),
    ),
]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _errors(response: Any) -> dict[str, Any]:
    return dict(response.context["form"].errors)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_create(case: Case) -> None:
    world = build_world()
    model, target = case.target.model, case.target
    url = reverse(target.name("create"))
    writer = client_for(world.user(Role.COUNTY_OFFICER, "a"))
    page = writer.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<form" in html and "csrfmiddlewaretoken" in html
    if "lon" in page.context["form"].fields:
        assert "data-pick-map" in html and "js/pick-map.js" in html
    # Readers (and the duty room, which only reads registries) may not.
    for role in (Role.VIEWER, Role.DUTY_OFFICER):
        assert client_for(world.user(role, "city")).get(url).status_code == 403
    assert (
        client_for(world.user(Role.VIEWER, "city")).post(url, case.valid(world)).status_code == 403
    )

    response = writer.post(url, case.valid(world))
    assert response.status_code == 302, _errors(response) if response.status_code == 200 else ""
    obj = model.objects.get()
    assert response["Location"] == reverse(target.name("detail"), args=[obj.pk])
    assert obj.region.path.startswith(world.county_a.path)
    history = list(obj.history.all())
    assert len(history) == 1 and history[0].history_user == world.user(Role.COUNTY_OFFICER, "a")
    detail = writer.get(response["Location"])
    assert detail.status_code == 200
    assert reverse(target.name("edit"), args=[obj.pk]) in detail.content.decode()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_create_refuses_bad_input(case: Case) -> None:
    world = build_world()
    model, target = case.target.model, case.target
    url = reverse(target.name("create"))
    writer = client_for(world.user(Role.COUNTY_OFFICER, "a"))
    valid = case.valid(world)
    missing = {k: v for k, v in valid.items() if k != case.required}
    placed = "lon" in valid
    kinds: list[tuple[dict[str, str], str]] = [
        (missing, case.required),
        ({**valid, case.bad_code[0]: case.bad_code[1]}, case.bad_code[0]),
        ({**valid, case.bad_number[0]: case.bad_number[1]}, case.bad_number[0]),
    ]
    if placed:
        kinds += [
            ({**valid, **IN_B}, "lon"),  # another county's point
            ({**valid, **IN_B, "region": str(world.county_a.pk)}, "lon"),  # even with A chosen
            ({**valid, **OUTSIDE_CITY}, "lon"),
            ({**valid, "lon": "200", "lat": "36.5"}, "lon"),
            ({**valid, "lat": ""}, "lat"),
        ]
    else:
        kinds.append(({**valid, "region": str(world.county_b.pk)}, "region"))
    for data, field in kinds:
        response = writer.post(url, data)
        assert response.status_code == 200, (field, data)
        errors = _errors(response)
        assert field in errors, (field, errors)
        html = response.content.decode()
        assert "has-error" in html and "errorlist" in html
        assert not model.objects.exists(), field
    if placed:
        response = writer.post(url, {**valid, **IN_B})
        assert "市中区" in " ".join(_errors(response)["lon"])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_edit(case: Case) -> None:
    world = build_world()
    target = case.target
    mine, theirs = case.make(world.county_a, 1), case.make(world.county_b, 2)
    writer = client_for(world.user(Role.COUNTY_OFFICER, "a"))
    url = reverse(target.name("edit"), args=[mine.pk])
    page = writer.get(url)
    assert page.status_code == 200
    assert str(mine) in page.content.decode()
    # Another region's record, and a reader: not found.
    assert writer.get(reverse(target.name("edit"), args=[theirs.pk])).status_code == 404
    assert writer.post(reverse(target.name("edit"), args=[theirs.pk]), {}).status_code == 404
    reader = client_for(world.user(Role.VIEWER, "city"))
    assert reader.get(url).status_code == 404
    detail = reader.get(reverse(target.name("detail"), args=[mine.pk])).content.decode()
    assert url not in detail and 'data-action="review"' not in detail

    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
    data = {k: v for k, v in data.items() if not isinstance(v, list) and v is not False}
    field, posted, stored = case.change
    before = mine.history.count()
    response = writer.post(url, {**data, field: posted})
    assert response.status_code == 302, _errors(response) if response.status_code == 200 else ""
    mine.refresh_from_db()
    assert getattr(mine, field) == stored
    assert mine.history.count() == before + 1
    # Bad input on edit: field error, nothing changed.
    response = writer.post(url, {**data, case.bad_number[0]: case.bad_number[1]})
    assert response.status_code == 200 and case.bad_number[0] in _errors(response)
    if "lon" in data:  # moving it into another county is refused
        response = writer.post(url, {**data, **IN_B})
        assert response.status_code == 200 and "lon" in _errors(response)
    mine.refresh_from_db()
    assert mine.region.path.startswith(world.county_a.path)
    assert mine.history.count() == before + 1


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_mark_reviewed(case: Case) -> None:
    world = build_world()
    target = case.target
    mine, theirs = case.make(world.county_a, 1), case.make(world.county_b, 2)
    writer = client_for(world.user(Role.COUNTY_OFFICER, "a"))
    detail = writer.get(reverse(target.name("detail"), args=[mine.pk])).content.decode()
    assert 'data-action="review"' in detail
    url = reverse(target.name("review"), args=[mine.pk])
    assert writer.get(url).status_code == 405
    assert writer.post(url).status_code == 302
    mine.refresh_from_db()
    assert mine.last_reviewed_at is not None
    assert writer.post(reverse(target.name("review"), args=[theirs.pk])).status_code == 404


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_list_shows_create_to_writers_only(case: Case) -> None:
    world = build_world()
    target = case.target
    create = reverse(target.name("create"))
    list_url = reverse(target.list_name or target.name("list"))
    assert create in client_for(world.user(Role.COUNTY_OFFICER, "a")).get(list_url).content.decode()
    assert create not in client_for(world.user(Role.VIEWER, "city")).get(list_url).content.decode()


# --- Child records -----------------------------------------------------------------------


def test_team_members() -> None:
    world = build_world()
    team, theirs = make_team(world.county_a, 1), make_team(world.county_b, 2)
    writer = client_for(world.user(Role.COUNTY_OFFICER, "a"))
    url = reverse("teams:member_create", args=[team.pk])
    assert url in writer.get(reverse("teams:team_detail", args=[team.pk])).content.decode()
    assert writer.get(url).status_code == 200
    assert writer.get(reverse("teams:member_create", args=[theirs.pk])).status_code == 404
    assert client_for(world.user(Role.VIEWER, "city")).get(url).status_code == 404
    response = writer.post(url, {"role": "队长"})
    assert response.status_code == 200 and "name" in _errors(response)
    response = writer.post(url, {"name": "张三", "role": "队长", "is_active": "on"})
    assert response["Location"] == reverse("teams:team_detail", args=[team.pk])
    member = TeamMember.objects.get()
    assert member.team == team and member.is_active and member.history.count() == 1
    edit = reverse("teams:member_edit", args=[member.pk])
    response = writer.post(edit, {"name": "张三", "role": "副队长"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == "副队长" and not member.is_active
    other = TeamMember.objects.create(team=theirs, name="李四")
    assert writer.get(reverse("teams:member_edit", args=[other.pk])).status_code == 404


def test_water_depth_records() -> None:
    world = build_world()
    road = make_road(world.county_a, 1)
    writer = client_for(world.user(Role.COUNTY_OFFICER, "a"))
    url = reverse("hazards:depth_create", args=[road.pk])
    assert url in writer.get(reverse("hazards:road_detail", args=[road.pk])).content.decode()
    response = writer.post(url, {"observed_on": "2026-07-20", "depth_cm": "深", "source": "manual"})
    assert response.status_code == 200 and "depth_cm" in _errors(response)
    response = writer.post(url, {"observed_on": "2026-07-20", "depth_cm": "35", "source": "manual"})
    assert response.status_code == 302
    record = WaterDepthRecord.objects.get()
    assert record.road == road and record.depth_cm == 35 and record.history.count() == 1
    edit = reverse("hazards:depth_edit", args=[record.pk])
    assert edit in writer.get(reverse("hazards:road_detail", args=[road.pk])).content.decode()
    assert writer.post(edit, {"observed_on": "2026-07-20", "depth_cm": "40", "source": "manual"})[
        "Location"
    ] == reverse("hazards:road_detail", args=[road.pk])
    record.refresh_from_db()
    assert record.depth_cm == 40


def test_expert_terms_and_renewal() -> None:
    world = build_world()
    expert, theirs = make_expert(world.county_a, 1), make_expert(world.county_b, 2)
    writer = client_for(world.user(Role.COUNTY_OFFICER, "a"))
    add = reverse("experts:term_create", args=[expert.pk])
    renew = reverse("experts:renewal_create", args=[expert.pk])
    assert add in writer.get(reverse("experts:expert_detail", args=[expert.pk])).content.decode()
    assert writer.get(reverse("experts:term_create", args=[theirs.pk])).status_code == 404
    # Nothing to renew yet: the service's refusal is a field error.
    response = writer.post(renew, {"term_end": "2030-12-31"})
    assert response.status_code == 200 and "term_end" in _errors(response)
    # A term ending before it starts is refused by the model.
    response = writer.post(add, {"term_start": "2026-01-01", "term_end": "2025-01-01"})
    assert response.status_code == 200 and _errors(response)
    assert not ExpertTerm.objects.exists()
    response = writer.post(add, {"term_start": "2024-01-01", "term_end": "2026-12-31"})
    assert response.status_code == 302
    first = ExpertTerm.objects.get()
    assert renew in writer.get(reverse("experts:expert_detail", args=[expert.pk])).content.decode()
    response = writer.post(renew, {"term_end": "2029-12-31", "document_no": "济应急〔2027〕1号"})
    assert response.status_code == 302
    second = ExpertTerm.objects.exclude(pk=first.pk).get()
    assert second.renews == first and second.term_start == date(2027, 1, 1)


def test_lot_edit_describes_only() -> None:
    world = build_world()
    lot = supplies.lot(supplies.warehouse(world.county_a), 10)
    theirs = supplies.lot(supplies.warehouse(world.county_b), 10)
    writer = client_for(world.user(Role.COUNTY_OFFICER, "a"))
    url = reverse("supplies:lot_edit", args=[lot.pk])
    assert url in writer.get(reverse("supplies:lot_detail", args=[lot.pk])).content.decode()
    page = writer.get(url)
    assert "quantity" not in page.context["form"].fields
    response = writer.post(
        url, {"batch": "B-7", "condition": "good", "source": "purchase", "expires_on": "bad"}
    )
    assert response.status_code == 200 and "expires_on" in _errors(response)
    response = writer.post(url, {"batch": "B-7", "condition": "good", "source": "purchase"})
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.batch == "B-7" and lot.quantity == 10
    assert writer.get(reverse("supplies:lot_edit", args=[theirs.pk])).status_code == 404


def test_warehouse_receive_errors_stay_on_the_page() -> None:
    world = build_world()
    wh = supplies.warehouse(world.county_a)
    writer = client_for(world.user(Role.COUNTY_OFFICER, "a"))
    url = reverse("supplies:warehouse_receive", args=[wh.pk])
    data = {"item": supplies.item("1010101").pk, "quantity": "许多", "reason": "采购"}
    response = writer.post(url, data)
    assert response.status_code == 400
    assert response.context["receive_form"].errors["quantity"]
    assert "errorlist" in response.content.decode() and not wh.lots.exists()
    # The service's own refusal (a lot that expires before it was produced) is a form error.
    response = writer.post(
        url, {**data, "quantity": "5", "produced_on": "2026-05-01", "expires_on": "2026-01-01"}
    )
    assert response.status_code == 400 and response.context["receive_form"].errors
    assert not wh.lots.exists()


def test_catalogue_items_are_written_by_the_city_only() -> None:
    world = build_world()
    sandbags = supplies.item("3010101")
    admin = client_for(world.user(Role.CITY_ADMIN, "city"))
    county = client_for(world.user(Role.COUNTY_OFFICER, "a"))
    list_url = reverse("supplies:item_list")
    create = reverse("supplies:item_create")
    edit = reverse("supplies:item_edit", args=[sandbags.pk])
    assert create in admin.get(list_url).content.decode()
    listed = county.get(list_url)
    assert listed.status_code == 200 and sandbags.name in listed.content.decode()
    assert create not in listed.content.decode() and edit not in listed.content.decode()
    assert county.get(create).status_code == 403
    assert county.get(edit).status_code == 404
    assert county.get(list_url, {"export": "xlsx"}).status_code == 200
    data = {
        "code": "3010199",
        "name": "防汛编织袋",
        "category": str(sandbags.category_id),
        "unit": "条",
        "min_stock_default": "0",
        "is_active": "on",
    }
    response = admin.post(create, {**data, "min_stock_default": "很多"})
    assert response.status_code == 200 and "min_stock_default" in _errors(response)
    response = admin.post(create, {**data, "code": sandbags.code})  # code taken
    assert response.status_code == 200 and "code" in _errors(response)
    response = admin.post(create, data)
    assert response["Location"] == list_url
    item = SupplyItem.objects.get(code="3010199")
    assert item.history.count() == 1
    response = admin.post(reverse("supplies:item_edit", args=[item.pk]), {**data, "unit": "捆"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.unit == "捆" and item.history.count() == 2


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_junk_in_every_field_is_never_a_500(case: Case) -> None:
    world = build_world()
    target = case.target
    writer = client_for(world.user(Role.COUNTY_OFFICER, "a"))
    url = reverse(target.name("create"))
    names = list(writer.get(url).context["form"].fields)
    for junk in ("nan", "1e999", "-1", "x" * 300, "99999999999999999999", "２０"):
        response = writer.post(url, dict.fromkeys(names, junk))
        assert response.status_code == 200, junk
        assert response.context["form"].errors
    assert not target.model.objects.exists()
    # Prefilled from the address (a "register here" link from the map): never a 500 either.
    assert writer.get(url, {"lon": "x", "region": "abc", "capacity": "-"}).status_code == 200
