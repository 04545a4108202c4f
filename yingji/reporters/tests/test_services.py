"""Services: who may write what, where; the roster flow; point registration."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yingji.accounts.choices import Role, UnitKind, UtilitySector
from yingji.accounts.models import Unit, User
from yingji.core.testing.world import World, build_world, make_user
from yingji.reporters import services
from yingji.reporters.choices import OfficerPost, RosterStatus
from yingji.reporters.models import DirectReportPoint, InformationOfficer, RosterFiling
from yingji.reporters.validators import PHONE_RE

from . import factories

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        ("13912345678", True),
        ("19912345678", True),
        ("12912345678", False),  # 12x is not a mobile prefix
        ("1391234567", False),
        ("0531-86012345", True),
        ("053186012345", True),
        ("86012345", True),
        ("0531-86012345-801", True),
        ("0531-06012345", False),
        ("110", False),
        ("95598", False),  # a hotline is fine for a utility's duty phone, not for a person
        ("", False),
    ],
)
def test_phone_pattern(phone: str, ok: bool) -> None:
    assert bool(PHONE_RE.match(phone)) is ok


def test_officer_create_scoped_and_history(world: World) -> None:
    county_a = world.user(Role.COUNTY_OFFICER, "a")
    officer = services.officer_create(
        actor=county_a,
        name="赵一",
        phone="+86 139-0000-1111".replace("-", ""),
        region=world.township_a,
        post=OfficerPost.GRID_WORKER,
    )
    assert officer.phone == "13900001111"
    assert officer.owner_unit == world.unit_a
    assert officer.county == world.county_a
    assert officer.history.get().history_user == county_a
    with pytest.raises(PermissionDenied):
        services.officer_create(
            actor=world.user(Role.COUNTY_OFFICER, "b"),
            name="越界",
            phone="13900002222",
            region=world.township_a,
            post=OfficerPost.OTHER,
        )
    with pytest.raises(PermissionDenied):
        services.officer_create(
            actor=world.user(Role.VIEWER, "city"),
            name="只读",
            phone="13900002222",
            region=world.county_a,
            post=OfficerPost.OTHER,
        )
    with pytest.raises(ValidationError) as exc:
        services.officer_create(
            actor=world.user(Role.CITY_ADMIN, "city"),
            name="城",
            phone="13900002222",
            region=world.city,
            post="other",
        )
    assert "region" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.officer_create(actor=county_a, region=world.county_a, id_card="370102…")
    assert InformationOfficer.objects.count() == 1


def test_officer_cannot_move_to_another_county(world: World) -> None:
    officer = factories.officer(world.township_a)
    with pytest.raises(PermissionDenied):
        services.officer_update(
            actor=world.user(Role.COUNTY_OFFICER, "a"), officer=officer, region=world.county_b
        )
    officer.refresh_from_db()
    assert officer.region == world.township_a


def test_deactivate_needs_reason_and_reactivation_clears_it(world: World) -> None:
    officer = factories.officer(world.township_a)
    actor = world.user(Role.COUNTY_OFFICER, "a")
    with pytest.raises(ValidationError):
        services.officer_deactivate(actor=actor, officer=officer, reason="  ")
    services.officer_deactivate(actor=actor, officer=officer, reason="退休", since=date(2026, 6, 1))
    officer.refresh_from_db()
    assert (officer.is_active, officer.inactive_reason, officer.inactive_since) == (
        False,
        "退休",
        date(2026, 6, 1),
    )
    services.officer_update(actor=actor, officer=officer, is_active=True)
    officer.refresh_from_db()
    assert officer.is_active and officer.inactive_reason == "" and officer.inactive_since is None


def test_linked_user_must_be_an_info_officer_of_the_county(world: World) -> None:
    officer = factories.officer(world.township_a)
    actor = world.user(Role.CITY_ADMIN, "city")
    info_b = make_user("info-b", Role.INFO_OFFICER, world.unit_b)
    with pytest.raises(ValidationError):
        services.officer_update(actor=actor, officer=officer, user=info_b)
    with pytest.raises(ValidationError):
        services.officer_update(
            actor=actor, officer=officer, user=world.user(Role.COUNTY_OFFICER, "a")
        )
    info_a = make_user("info-a", Role.INFO_OFFICER, world.unit_a)
    services.officer_update(actor=actor, officer=officer, user=info_a)
    assert InformationOfficer.objects.get(user=info_a) == officer


def test_training_validation(world: World) -> None:
    officer = factories.officer(world.township_a)
    actor = world.user(Role.COUNTY_OFFICER, "a")
    with pytest.raises(ValidationError):
        services.officer_training_add(
            actor=actor, officer=officer, date=date(2026, 1, 1), course="x", hours=-1
        )
    with pytest.raises(PermissionDenied):
        services.officer_training_add(
            actor=world.user(Role.COUNTY_OFFICER, "b"),
            officer=officer,
            date=date(2026, 1, 1),
            course="x",
            hours=1,
        )
    services.officer_training_add(
        actor=actor, officer=officer, date=date(2026, 1, 1), course="规范", hours=2
    )
    assert officer.trainings.count() == 1


def test_roster_file_snapshot_supersede_and_review(world: World) -> None:
    factories.officers(world.township_a, 2)
    factories.officer(world.county_a, is_active=False, inactive_reason="调离")
    factories.officers(world.county_b, 5)
    county_a = world.user(Role.COUNTY_OFFICER, "a")
    when = datetime(2026, 11, 1, 9, 0, tzinfo=SHANGHAI)
    first = services.roster_file(actor=county_a, county=world.county_a, now=when)
    assert (first.officer_count, first.active_count, first.filed_at) == (3, 2, when)
    assert {row["region_code"] for row in first.snapshot} == {"370102", "370102001"}
    # The roster is frozen: a later change does not alter what was filed.
    InformationOfficer.objects.filter(region=world.township_a).update(name="改名")
    first.refresh_from_db()
    assert "改名" not in {row["name"] for row in first.snapshot}
    # Filing again replaces the pending filing.
    second = services.roster_file(actor=county_a, county=world.county_a)
    first.refresh_from_db()
    assert first.status == RosterStatus.SUPERSEDED
    assert second.status == RosterStatus.SUBMITTED
    # Not a county; not their county; not the county's to review.
    with pytest.raises(ValidationError):
        services.roster_file(actor=county_a, county=world.township_a)
    with pytest.raises(PermissionDenied):
        services.roster_file(actor=county_a, county=world.county_b)
    with pytest.raises(PermissionDenied):
        services.roster_accept(actor=county_a, filing=second)
    with pytest.raises(PermissionDenied):
        services.roster_accept(actor=world.user(Role.VIEWER, "city"), filing=second)
    city = world.user(Role.CITY_ADMIN, "city")
    with pytest.raises(ValidationError):
        services.roster_return(actor=city, filing=second, remark=" ")
    with pytest.raises(ValidationError):
        services.roster_accept(actor=city, filing=first)  # superseded
    accepted = services.roster_accept(actor=city, filing=second, remark="收到", now=when)
    assert (accepted.status, accepted.reviewed_by, accepted.reviewed_at) == (
        RosterStatus.ACCEPTED,
        city,
        when,
    )
    with pytest.raises(ValidationError):
        services.roster_return(actor=city, filing=second, remark="晚了")
    assert RosterFiling.history.filter(id=second.pk).first().history_user == city


def _unit_data(world: World, **extra) -> dict:  # type: ignore[no-untyped-def]
    return {
        "name": "济南演示供水公司",
        "kind": UnitKind.UTILITY,
        "sector": UtilitySector.WATER,
        "region": world.city,
        **extra,
    }


CONTACT = {"contact_name": "王", "contact_phone": "13900003333", "phone_24h": "0531-96119"}


def test_register_point_with_account(world: World) -> None:
    city = world.user(Role.CITY_ADMIN, "city")
    result = services.direct_report_point_register(
        actor=city, unit_data=_unit_data(world), contact=CONTACT, create_account=True
    )
    assert result.point.region == world.city
    assert result.point.unit.sector == UtilitySector.WATER
    assert result.user is not None and result.password
    assert result.user.role == Role.DIRECT_REPORT and result.user.unit == result.point.unit
    assert result.user.check_password(result.password)
    assert result.user.username == f"zhibao{result.point.unit.pk:04d}"
    # The password is not in any history row.
    for record in User.history.filter(id=result.user.pk):
        assert result.password not in str(record.__dict__)


def test_register_point_refusals_are_atomic(world: World) -> None:
    units, users = Unit.objects.count(), User.objects.count()
    county_a = world.user(Role.COUNTY_OFFICER, "a")
    with pytest.raises(PermissionDenied):  # counties make no accounts
        services.direct_report_point_register(
            actor=county_a,
            unit_data=_unit_data(world, region=world.county_a),
            contact=CONTACT,
            create_account=True,
        )
    with pytest.raises(PermissionDenied):  # nor points in the city region
        services.direct_report_point_register(
            actor=county_a, unit_data=_unit_data(world), contact=CONTACT, create_account=False
        )
    city = world.user(Role.CITY_ADMIN, "city")
    for bad in (
        {"kind": UnitKind.DEPARTMENT},
        {"sector": ""},
        {"region": world.township_a},
        {"region": None},
    ):
        with pytest.raises(ValidationError):
            services.direct_report_point_register(
                actor=city, unit_data=_unit_data(world, **bad), contact=CONTACT, create_account=True
            )
    with pytest.raises(ValidationError):  # a bad phone fails after the unit was made: rolled back
        services.direct_report_point_register(
            actor=city,
            unit_data=_unit_data(world),
            contact={**CONTACT, "phone_24h": "110"},
            create_account=True,
        )
    with pytest.raises(ValidationError):  # a taken username: rolled back too
        services.direct_report_point_register(
            actor=city,
            unit_data=_unit_data(world),
            contact=CONTACT,
            create_account=True,
            username=city.username,
        )
    assert (Unit.objects.count(), User.objects.count()) == (units, users)
    assert not DirectReportPoint.objects.exists()


def test_point_create_refuses_non_utility_and_duplicates(world: World) -> None:
    actor = world.user(Role.COUNTY_OFFICER, "a")
    with pytest.raises(ValidationError):
        services.direct_report_point_create(actor=actor, unit=world.unit_a, **CONTACT)
    unit = factories.utility_unit(world.county_a)
    services.direct_report_point_create(actor=actor, unit=unit, **CONTACT)
    with pytest.raises(ValidationError):
        services.direct_report_point_create(actor=actor, unit=unit, **CONTACT)
