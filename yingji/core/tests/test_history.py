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
