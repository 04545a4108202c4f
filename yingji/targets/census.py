"""Census template of protection targets (防护目标普查表), read by the catalogue app."""

from django.utils.translation import gettext_lazy as _

from yingji.catalogue.census import (
    CHOICE,
    INT,
    CensusSpec,
    Column,
    owner_column,
    point_columns,
    region_column,
    register,
    review_column,
)

from .codes import target_code_choices
from .models import ProtectionTarget
from .services import target_create, target_update

register(
    CensusSpec(
        key="targets.protectiontarget",
        model=ProtectionTarget,
        title=_("防护目标"),
        intro=_("每行一个防护目标（学校、幼儿园、医院、养老机构、人员密集场所、重要设施）。"),
        columns=[
            Column("name", _("名称"), required=True, example="历下区实验小学"),
            Column("kind", _("目标类型"), kind=CHOICE, required=True, example="学校"),
            Column(
                "code",
                _("防护目标代码"),
                kind=CHOICE,
                choices=target_code_choices,
                help=_("3xxxx 防护目标代码（如适用）。"),
            ),
            Column(
                "population",
                _("容纳或常驻人数"),
                kind=INT,
                max_value=10_000_000,
                unit=_("人"),
                example=1200,
            ),
            Column("contact_name", _("联系人"), example="王五"),
            Column("contact_phone", _("联系电话"), example="0531-86000001"),
            region_column(),
            *point_columns(),
            owner_column(),
            review_column(),
            Column("note", _("备注")),
        ],
        create_via=target_create,
        update_via=target_update,
        natural_key=("region", "name"),
        bulk=True,  # target_create is registry_create: full_clean + save + history
        select_related=("region", "owner_unit"),
    )
)
