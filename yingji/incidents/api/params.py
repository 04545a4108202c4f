"""Query-parameter fields shared by the incidents helper endpoints (severity, duplicates)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from yingji.incidents.models import IncidentType

# Only ASCII codes and ids reach the database (no NUL bytes, no full-width digits).
CODE_RE = re.compile(r"^[0-9A-Z]{5}$")
ID_RE = re.compile(r"^[0-9]{1,9}$")


@extend_schema_field(OpenApiTypes.STR)
class IncidentTypeParamField(serializers.Field):
    """An incident type given by its GB/T 35561 code (``11B03``) or its id."""

    default_error_messages = {
        "unknown": _("没有这个事件类型：%(value)s。"),
    }

    def to_internal_value(self, data: Any) -> IncidentType:
        value = str(data).strip().upper()
        found = None
        if CODE_RE.match(value):
            found = IncidentType.objects.filter(code=value).first()
        elif ID_RE.match(value):
            found = IncidentType.objects.filter(pk=int(value)).first()
        if found is None:
            raise serializers.ValidationError(
                self.error_messages["unknown"] % {"value": str(data)[:20]}, code="unknown"
            )
        return found

    def to_representation(self, value: IncidentType) -> str:
        return value.code
