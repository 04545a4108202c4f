"""Base serializer: model ``full_clean`` rules surface as 400 field errors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers


class ValidatedModelSerializer(serializers.ModelSerializer[Any]):
    """Runs the model's ``clean()`` and constraints before saving (as forms do)."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        instance = self.instance or self.Meta.model()  # type: ignore[misc]
        m2m = {}
        for name, value in attrs.items():
            field = instance._meta.get_field(name) if _has_field(instance, name) else None
            if field is not None and field.many_to_many:
                m2m[name] = value
                continue
            setattr(instance, name, value)
        # Only the fields this serializer writes are checked; derived ones are set on save.
        written = {f.source for f in self.fields.values() if not f.read_only}
        exclude = [f.name for f in instance._meta.fields if f.name not in written]
        try:
            instance.full_clean(exclude=exclude, validate_unique=True)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


def _has_field(instance: Any, name: str) -> bool:
    try:
        instance._meta.get_field(name)
    except Exception:
        return False
    return True
