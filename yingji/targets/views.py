"""Pages of the protection targets: list with filters, sort and export; detail with map."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yingji.core.registry import Column, RegistryPages, registry_mark_reviewed
from yingji.core.registry_forms import RecordForm

from .codes import TARGET_CODES
from .filtersets import ProtectionTargetFilterSet
from .models import ProtectionTarget
from .services import target_create, target_update

TARGET_PAGES = RegistryPages(
    model=ProtectionTarget,
    namespace="targets",
    slug="target",
    title=_("防护目标"),
    intro=_("学校、幼儿园、医院、养老机构、人员密集场所和关键基础设施：位置和人数。"),
    filterset_class=ProtectionTargetFilterSet,
    columns=(
        Column("name"),
        Column("kind"),
        Column("code"),
        Column("population"),
        Column("region__name", _("所属区划"), sort=False),
        Column("contact_phone", sort=False),
        Column("owner_unit__name", _("责任单位"), sort=False),
    ),
    detail_fields=(
        "kind",
        "code",
        (_("代码名称"), "code_name"),
        "population",
        "contact_name",
        "contact_phone",
        "region",
        "owner_unit",
        "address",
        "note",
        "last_reviewed_at",
    ),
    shape_field="boundary",
    form=RecordForm(
        fields=(
            "name",
            "kind",
            "code",
            "population",
            "contact_name",
            "contact_phone",
            "note",
            "owner_unit",
            "review_interval_days",
            "address",
        ),
        create=target_create,
        update=target_update,
        review=registry_mark_reviewed,
        choices={"code": TARGET_CODES.choices},
        title=_("防护目标"),
        help_text=_("范围（GeoJSON）通过数据接口或普查导入维护。"),
    ),
)
