"""``core.rows``: reads by statements written once answer what the ORM's querysets answer,
value for value (booleans, dates, decimals and foreign keys converted as the ORM does)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models

from yingji.accounts.choices import UnitKind
from yingji.accounts.models import Unit
from yingji.core import rows
from yingji.core.testing.world import build_world
from yingji.geo.models import Region
from yingji.incidents.models import Incident, IncidentType
from yingji.incidents.tests.factories import incident_type, make_incident

pytestmark = pytest.mark.django_db


def _values(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_first_is_the_orms_row_field_for_field() -> None:
    world = build_world()
    kind = incident_type("11A02")
    found = rows.first(IncidentType, {"code": "11A02"})
    assert found is not None and not found._state.adding and found._state.db == "default"
    assert _values(found) == _values(IncidentType.objects.get(pk=kind.pk))
    by_pk = rows.first(Region, {"pk": world.county_a.pk})
    assert by_pk is not None and _values(by_pk) == _values(Region.objects.get(pk=world.county_a.pk))
    incident = make_incident(world)
    read = rows.first(Incident, {"pk": incident.pk})
    assert read is not None and _values(read) == _values(Incident.objects.get(pk=incident.pk))
    assert rows.first(IncidentType, {"code": "99Z99"}) is None


def test_first_by_lowest_pk_among_several_and_with_a_foreign_key_and_a_bool() -> None:
    world = build_world()
    office = {"region": world.county_a.pk, "kind": UnitKind.EMERGENCY_OFFICE, "is_active": True}
    expected = Unit.objects.filter(**office).order_by("pk").first()
    assert expected is not None
    Unit.objects.create(name="第二应急办", kind=UnitKind.EMERGENCY_OFFICE, region=world.county_a)
    found = rows.first(Unit, office, lowest_pk=True)
    assert found is not None and _values(found) == _values(expected)
    assert rows.first(Unit, {**office, "is_active": False}) is None


def test_exists_answers_as_the_queryset() -> None:
    world = build_world()
    incident = make_incident(world, idempotency_key="k-rows-1")
    assert rows.exists(Incident, {"idempotency_key": "k-rows-1"})
    assert not rows.exists(Incident, {"idempotency_key": "k-rows-2"})
    assert rows.exists(Incident, {"pk": incident.pk, "region": world.county_a.pk})
    assert not rows.exists(Incident, {"pk": incident.pk, "region": world.county_b.pk})


def test_columns_are_named_from_the_model() -> None:
    assert rows.column(Unit, "region", "default") == '"region_id"'
    assert rows.column(Unit, "pk", "default", "u") == '"u"."id"'
