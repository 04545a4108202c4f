"""Query-parameter fields shared by the incidents helper endpoints (severity, duplicates)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from yingji.incidents.models import IncidentType


class IncidentTypeParamField(serializers.Field):
    """An incident type given by its GB/T 35561 code (``11B03``) or its id."""

    default_error_messages = {
        "unknown": _("没有这个事件类型：%(value)s。"),
    }

    def to_internal_value(self, data: Any) -> IncidentType:
        value = str(data).strip().upper()
        found = None
        if len(value) == 5:
            found = IncidentType.objects.filter(code=value).first()
        elif value.isdigit() and len(value) <= 9:
            found = IncidentType.objects.filter(pk=int(value)).first()
        if found is None:
            raise serializers.ValidationError(
                self.error_messages["unknown"] % {"value": str(data)[:20]}, code="unknown"
            )
        return found

    def to_representation(self, value: IncidentType) -> str:
        return value.code
