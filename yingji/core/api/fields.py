"""Serializer fields that respect permissions by region."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


def restricted_choices(field: serializers.Field[Any, Any, Any, Any], queryset: Any) -> Any:
    """The rows of ``queryset`` that the requesting user may see (none without a request)."""
    request = field.context.get("request")
    if request is None or queryset is None:
        return queryset.none() if queryset is not None else None
    return queryset.restrict(request.user, "view")


class RestrictedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField[Any]):
    """A foreign key whose choices are the rows the requesting user may see.

    Pointing a record at another county's region or unit fails validation with a field
    error ("对象不存在") instead of leaking or silently crossing regions.
    """

    def get_queryset(self) -> Any:
        return restricted_choices(self, super().get_queryset())


class SlugRelatedField(serializers.SlugRelatedField[Any]):
    """DRF's slug field that refuses a slug with a NUL character as not found: no row has
    one, and PostgreSQL refuses it in the lookup (a 500 instead of a field error)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value="\\x00")
        return super().to_internal_value(data)


class RestrictedSlugRelatedField(SlugRelatedField):
    """Like ``RestrictedPrimaryKeyRelatedField`` but addressed by a slug (e.g. a region code)."""

    def get_queryset(self) -> Any:
        return restricted_choices(self, super().get_queryset())
