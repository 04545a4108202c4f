"""``core.api.fields``: a slug with a NUL character is a field error, never a 500 (PostgreSQL
refuses NUL in a query), for one slug and for a list of them."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from yingji.core.api.fields import SlugRelatedField
from yingji.incidents.models import IncidentType
from yingji.incidents.tests.factories import incident_type

pytestmark = pytest.mark.django_db


class _Form(serializers.Serializer):  # type: ignore[type-arg]
    one = SlugRelatedField(slug_field="code", queryset=IncidentType.objects.all())
    many = SlugRelatedField(
        slug_field="code", queryset=IncidentType.objects.all(), many=True, required=False
    )


def test_a_nul_in_a_slug_is_not_found() -> None:
    incident_type("11A02")
    form = _Form(data={"one": "11A\x0002", "many": ["11A02", "11\x00"]})
    assert not form.is_valid()
    assert set(form.errors) == {"one", "many"}
    assert "11A02" not in str(form.errors["one"])


def test_a_good_slug_still_resolves() -> None:
    kind = incident_type("11A02")
    form = _Form(data={"one": "11A02", "many": ["11A02"]})
    assert form.is_valid(), form.errors
    assert form.validated_data["one"] == kind and form.validated_data["many"] == [kind]
