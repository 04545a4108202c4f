from __future__ import annotations

from rest_framework import serializers

from yingji.accounts.models import Unit, User
from yingji.core.api.fields import RestrictedPrimaryKeyRelatedField
from yingji.core.api.serializers import ValidatedModelSerializer
from yingji.geo.models import Region


class UnitSerializer(ValidatedModelSerializer):
    region = RestrictedPrimaryKeyRelatedField(queryset=Region.objects.all())
    parent = RestrictedPrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Unit.objects.all(), allow_null=True, required=False
    )
    region_name = serializers.CharField(source="region.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    lon = serializers.FloatField(min_value=-180, max_value=180, allow_null=True, required=False)
    lat = serializers.FloatField(min_value=-90, max_value=90, allow_null=True, required=False)

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "short_name",
            "kind",
            "kind_display",
            "sector",
            "region",
            "region_name",
            "parent",
            "credit_code",
            "phone",
            "address",
            "lon",
            "lat",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class UserSerializer(serializers.ModelSerializer):
    """Users are read through the API; accounts are managed by the city administrator."""

    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "role",
            "role_display",
            "unit",
            "unit_name",
            "phone",
            "is_active",
            "last_login",
        ]
        read_only_fields = fields


class MeSerializer(UserSerializer):
    region_code = serializers.CharField(source="unit.region.code", read_only=True, default="")
    permissions = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "region_code", "permissions"]
        read_only_fields = fields

    def get_permissions(self, obj: User) -> list[str]:
        return sorted(obj.get_all_permissions())
