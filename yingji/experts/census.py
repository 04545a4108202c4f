"""Census template of the expert pool (应急专家普查表), read by the catalogue app.

Terms of office are not part of this template: an appointment or a renewal is recorded
with its document on the expert's page (a term is never edited).
"""

from django.utils.translation import gettext_lazy as _

from yingji.catalogue.census import (
    CHOICE,
    CensusSpec,
    Column,
    incident_types_column,
    owner_column,
    region_column,
    register,
    review_column,
)

from .models import Expert
from .services import expert_create, expert_update

register(
    CensusSpec(
        key="experts.expert",
        model=Expert,
        title=_("应急专家"),
        intro=_("每行一位专家；同一行政区划内姓名和手机都相同视为同一人。"),
        columns=[
            Column("name", _("姓名"), required=True, example="孙七"),
            Column("gender", _("性别"), kind=CHOICE, example="男"),
            Column("title", _("职称"), kind=CHOICE, example="正高级"),
            Column("position", _("职务"), example="总工程师"),
            Column("employer", _("工作单位"), example="济南市水务局"),
            Column(
                "code",
                _("专家类别代码"),
                kind=CHOICE,
                required=True,
                example="42A01 自然灾害类专家",
            ),
            incident_types_column(
                "expertise",
                _("专业领域"),
                _(
                    "事件大类或亚类的代码或名称，如 11000 自然灾害、11A00 水旱灾害；多个用“、”分隔。"
                ),
            ),
            Column("specialty", _("细分专长"), example="城市内涝防治"),
            Column("phone", _("手机"), example="13700000000"),
            Column("email", _("电子邮箱"), example="expert@example.cn"),
            Column("address", _("通讯地址")),
            Column("availability", _("可联系状态"), kind=CHOICE, example="可联系"),
            region_column(required=True),
            owner_column(),
            review_column(),
            Column("note", _("备注")),
        ],
        create_via=expert_create,
        update_via=expert_update,
        natural_key=("region", "name", "phone"),
        bulk=True,  # expert_create is registry_create: full_clean + save + history
        select_related=("region", "owner_unit"),
        prefetch_related=("expertise",),
    )
)
