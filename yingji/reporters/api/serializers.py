from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from yingji.accounts.choices import UnitKind, UtilitySector
from yingji.accounts.models import Unit, User
from yingji.core.api.fields import RestrictedPrimaryKeyRelatedField
from yingji.core.api.serializers import ValidatedModelSerializer
from yingji.geo.models import Region

from ..models import DirectReportPoint, InformationOfficer, OfficerTraining, RosterFiling
from ..validators import normalize_phone, validate_duty_phone, validate_phone


class PhoneField(serializers.CharField):
    """A phone number: spaces and +86 are dropped before the model checks it."""

    def to_internal_value(self, data: Any) -> str:
        return normalize_phone(super().to_internal_value(data))


class InformationOfficerSerializer(ValidatedModelSerializer):
    region = RestrictedPrimaryKeyRelatedField(queryset=Region.objects.all())
    unit = RestrictedPrimaryKeyRelatedField(
        queryset=Unit.objects.all(), allow_null=True, required=False
    )
    user = RestrictedPrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False
    )
    phone = PhoneField(max_length=32)
    region_code = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")
    post_display = serializers.CharField(source="get_post_display", read_only=True)
    trained = serializers.BooleanField(read_only=True, default=None)

    class Meta:
        model = InformationOfficer
        fields = [
            "id",
            "name",
            "phone",
            "region",
            "region_code",
            "region_name",
            "unit",
            "unit_name",
            "user",
            "post",
            "post_display",
            "area_covered",
            "joined_at",
            "is_active",
            "inactive_reason",
            "inactive_since",
            "trained",
            "is_synthetic",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class OfficerTrainingSerializer(ValidatedModelSerializer):
    hours = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0, max_value=999)

    class Meta:
        model = OfficerTraining
        fields = ["id", "officer", "date", "course", "hours", "passed", "note", "created_at"]
        read_only_fields = ["officer", "created_at"]


class RosterFilingSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    filed_by_name = serializers.CharField(source="filed_by", read_only=True, default="")
    reviewed_by_name = serializers.CharField(source="reviewed_by", read_only=True, default="")

    class Meta:
        model = RosterFiling
        fields = [
            "id",
            "region",
            "region_code",
            "region_name",
            "filed_at",
            "filed_by",
            "filed_by_name",
            "officer_count",
            "active_count",
            "status",
            "status_display",
            "remark",
            "reviewed_by",
            "reviewed_by_name",
            "reviewed_at",
        ]
        read_only_fields = fields


class RosterFilingDetailSerializer(RosterFilingSerializer):
    class Meta(RosterFilingSerializer.Meta):
        fields = [*RosterFilingSerializer.Meta.fields, "snapshot"]
        read_only_fields = fields


class RosterFileSerializer(serializers.Serializer):
    """``POST rosters/file/``: which county to file (the user's own by default)."""

    county = RestrictedPrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True
    )


class RosterReviewSerializer(serializers.Serializer):
    remark = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class DirectReportPointSerializer(ValidatedModelSerializer):
    unit = RestrictedPrimaryKeyRelatedField(queryset=Unit.objects.all())
    contact_phone = PhoneField(max_length=32)
    phone_24h = PhoneField(max_length=32)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    sector = serializers.CharField(source="unit.sector", read_only=True)
    sector_display = serializers.CharField(source="unit.get_sector_display", read_only=True)
    region_code = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    accounts = serializers.SerializerMethodField()

    class Meta:
        model = DirectReportPoint
        fields = [
            "id",
            "unit",
            "unit_name",
            "sector",
            "sector_display",
            "region",
            "region_code",
            "region_name",
            "facilities",
            "contact_name",
            "contact_phone",
            "phone_24h",
            "is_active",
            "note",
            "accounts",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["region", "created_at", "updated_at"]

    def get_accounts(self, obj: DirectReportPoint) -> list[str]:
        return sorted(u.username for u in obj.unit.users.all() if u.is_active)


class PointUnitSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=128)
    short_name = serializers.CharField(max_length=32, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=[UnitKind.UTILITY, UnitKind.ENTERPRISE])
    sector = serializers.ChoiceField(choices=[c for c in UtilitySector.choices if c[0]])
    region = RestrictedPrimaryKeyRelatedField(queryset=Region.objects.all())
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)


class PointContactSerializer(serializers.Serializer):
    contact_name = serializers.CharField(max_length=64)
    contact_phone = PhoneField(max_length=32, validators=[validate_phone])
    phone_24h = PhoneField(max_length=32, validators=[validate_duty_phone])
    facilities = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class PointRegisterSerializer(serializers.Serializer):
    """``POST points/register/``: a new unit, its point and optionally its account."""

    unit = PointUnitSerializer()
    contact = PointContactSerializer()
    create_account = serializers.BooleanField(default=False)
    username = serializers.RegexField(
        r"^[A-Za-z0-9_.-]{3,64}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": _("账号只能用字母、数字和 _ . -，3–64 位。")},
    )


class PeriodSerializer(serializers.Serializer):
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("period_start"), attrs.get("period_end")
        if start and end and start > end:
            raise serializers.ValidationError({"period_end": [_("结束日期不能早于开始日期。")]})
        if start and end and (end - start).days > 3660:
            raise serializers.ValidationError({"period_end": [_("统计区间不能超过十年。")]})
        return attrs


class OfficerStatsSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="officer.id")
    name = serializers.CharField(source="officer.name")
    region_code = serializers.CharField(source="officer.region.code")
    region_name = serializers.CharField(source="officer.region.name")
    is_active = serializers.BooleanField(source="officer.is_active")
    has_account = serializers.SerializerMethodField()
    reports = serializers.IntegerField()
    incidents = serializers.IntegerField()
    deadlines_met = serializers.IntegerField()
    deadlines_late = serializers.IntegerField()
    on_time_share = serializers.FloatField(allow_null=True)

    def get_has_account(self, obj: Any) -> bool:
        return bool(obj.officer.user_id)


class CountyOfficersSerializer(serializers.Serializer):
    region = serializers.IntegerField(source="county.id")
    code = serializers.CharField(source="county.code")
    name = serializers.CharField(source="county.name")
    total = serializers.IntegerField()
    active = serializers.IntegerField()
    minimum = serializers.IntegerField()
    below_minimum = serializers.BooleanField()
    shortfall = serializers.IntegerField()
    latest_filing_status = serializers.SerializerMethodField()

    def get_latest_filing_status(self, obj: Any) -> str | None:
        return obj.latest_filing.status if obj.latest_filing else None
