from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from yingji.core.api.fields import SlugRelatedField
from yingji.core.registry import RegistrySerializer
from yingji.experts.models import Expert, ExpertTerm
from yingji.incidents.models import IncidentType


class ExpertTermSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_renewal = serializers.BooleanField(read_only=True)

    class Meta:
        model = ExpertTerm
        fields = [
            "id",
            "expert",
            "term_start",
            "term_end",
            "document_no",
            "status",
            "status_display",
            "renews",
            "is_renewal",
            "created_at",
        ]
        read_only_fields = fields


class TermInputSerializer(serializers.Serializer):
    """An appointment (``terms/``) or a renewal (``renew/``, ``term_start`` optional)."""

    term_start = serializers.DateField(required=False)
    term_end = serializers.DateField()
    document_no = serializers.CharField(required=False, allow_blank=True, max_length=64)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start = attrs.get("term_start")
        if start is None and self.context.get("appointment"):
            raise serializers.ValidationError({"term_start": [_("聘任须填写聘期开始。")]})
        if start and attrs["term_end"] < start:
            raise serializers.ValidationError({"term_end": [_("聘期结束不能早于开始。")]})
        return attrs


class ExpertSerializer(RegistrySerializer):
    expertise = SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=IncidentType.objects.filter(depth__in=[1, 2]),
        required=False,
    )
    code_display = serializers.CharField(source="get_code_display", read_only=True)
    latest_term_end = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Expert
        fields = [
            "id",
            "name",
            "gender",
            "title",
            "position",
            "employer",
            "code",
            "code_display",
            "expertise",
            "specialty",
            "phone",
            "email",
            "address",
            "availability",
            "region",
            "region_name",
            "owner_unit",
            "owner_unit_name",
            "note",
            "latest_term_end",
            "last_reviewed_at",
            "review_interval_days",
            "next_review_due",
            "is_synthetic",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at", "is_synthetic", "last_reviewed_at"]
