"""``Model.history``: one manager class per model, still bound to the instance."""

from __future__ import annotations

import pytest

from yingji.accounts.models import Unit
from yingji.core.testing.world import build_world


@pytest.mark.django_db
def test_history_manager_class_is_built_once_and_bound_per_instance() -> None:
    world = build_world()
    assert type(Unit.history) is type(Unit.history)
    assert type(world.unit_a.history) is type(world.unit_b.history)
    world.unit_a.phone = "0531-1"
    world.unit_a.save()
    assert world.unit_a.history.count() == 2
    assert world.unit_b.history.count() == 1
    assert {row.id for row in Unit.history.all()} >= {world.unit_a.pk, world.unit_b.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["Incident", "Report"])
def test_lean_history_is_indexed_by_object_date_and_user_only(model: str) -> None:
    from django.apps import apps
    from django.db import connection

    history = apps.get_model("incidents", model).history.model
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, history._meta.db_table)
    indexed = {
        tuple(c["columns"]) for c in constraints.values() if c["index"] and not c["primary_key"]
    }
    assert indexed == {("id",), ("history_date",), ("history_user_id",)}
    # a plain HistoricalRecords still copies the indexes (here: the unit's region)
    unit_history = Unit.history.model
    with connection.cursor() as cursor:
        unit_constraints = connection.introspection.get_constraints(
            cursor, unit_history._meta.db_table
        )
    assert any(c["columns"] == ["region_id"] for c in unit_constraints.values())
