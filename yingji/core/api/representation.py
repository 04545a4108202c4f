"""A serializer's ``to_representation`` with the reading of each field worked out once.

DRF reads every field of every object the general way: the source path walked step by
step, each value tested for a method to call (``inspect``), related keys through
``serializable_value``, the readable fields filtered again per object. For the intake's
answer (43 fields) that reading was half of the serialisation. :class:`Representation`
decides per field, once, how its value is read, and then reads plain attributes
directly; anything unusual (a value that can be called, a ``None`` on the way, an error)
is read again the field's own way, so the result is always DRF's::

    ANSWER = Representation(IncidentSerializer())
    ANSWER(incident) == IncidentSerializer(incident).data   # a dict, the same
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework import fields, relations, serializers

Read = Callable[[Any], Any]


class Representation:
    """``serializer.to_representation`` for any object it can represent. Keep one per
    process: the serializer's fields are built once and no state is kept per call."""

    def __init__(self, serializer: serializers.Serializer[Any]) -> None:
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        self.steps: tuple[tuple[str, Read, fields.Field[Any, Any, Any, Any]], ...] = tuple(
            (field.field_name, _reader(field, model), field)  # type: ignore[misc]
            for field in serializer._readable_fields
        )

    def __call__(self, instance: Any) -> dict[str, Any]:
        answer: dict[str, Any] = {}
        for name, read, field in self.steps:  # as Serializer.to_representation
            try:
                attribute = read(instance)
            except fields.SkipField:
                continue
            check = attribute.pk if type(attribute) is relations.PKOnlyObject else attribute
            answer[name] = None if check is None else field.to_representation(attribute)
        return answer


def _reader(field: fields.Field[Any, Any, Any, Any], model: Any) -> Read:
    """How ``field``'s value is read from an object: directly where DRF's reading comes
    to a plain attribute, else (and whenever the direct reading meets anything else) the
    field's own ``get_attribute``."""
    own = field.get_attribute
    attrs = tuple(field.source_attrs)
    if not attrs:  # source="*": the object itself
        return own
    if isinstance(field, relations.ManyRelatedField):
        return own
    if isinstance(field, relations.RelatedField):
        if len(attrs) != 1 or model is None or not field.use_pk_only_optimization():
            return own
        try:
            attname = model._meta.get_field(attrs[0]).attname
        except Exception:  # not a model field (a property): DRF's way
            return own
        return lambda instance: relations.PKOnlyObject(pk=getattr(instance, attname))
    if len(attrs) == 1:
        (name,) = attrs

        def attribute(instance: Any) -> Any:
            try:
                value = getattr(instance, name)
            except Exception:
                return own(instance)
            return own(instance) if callable(value) else value

        return attribute

    def path(instance: Any) -> Any:
        value = instance
        try:
            for name in attrs:
                value = getattr(value, name)
                if value is None or callable(value):
                    return own(instance)
        except Exception:
            return own(instance)
        return value

    return path
