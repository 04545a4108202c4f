"""Census template of rescue teams (应急队伍普查表), read by the catalogue app."""

from django.utils.translation import gettext_lazy as _

from yingji.catalogue.census import (
    CHOICE,
    INT,
    TEXT,
    CensusSpec,
    Column,
    incident_types_column,
    owner_column,
    point_columns,
    region_column,
    register,
    review_column,
)

from .models import Team
from .services import team_create, team_update

register(
    CensusSpec(
        key="teams.team",
        model=Team,
        title=_("应急队伍"),
        intro=_("每行一支队伍；同一行政区划内队伍名称不能重复。"),
        columns=[
            Column("name", _("队伍名称"), required=True, example="历下区防汛抢险队"),
            Column("kind", _("队伍类型"), kind=CHOICE, required=True, example="专业救援队伍"),
            Column("sector", _("行业领域"), kind=CHOICE, example="防汛抗旱"),
            Column("code", _("资源分类代码"), kind=CHOICE, example="42E20 排水抢险队伍"),
            Column(
                "head_count",
                _("队伍人数"),
                kind=INT,
                required=True,
                max_value=100000,
                unit=_("人"),
                example=45,
            ),
            Column("leader_name", _("负责人"), example="张三"),
            Column("leader_phone", _("负责人电话"), example="13800000000"),
            Column("duty_phone", _("24小时值班电话"), example="0531-12345678"),
            Column("readiness", _("战备状态"), kind=CHOICE, example="随时可调"),
            incident_types_column(
                "capabilities",
                _("可处置事件类型"),
                _("GB/T 35561 事件类型代码或名称，多个用“、”分隔。"),
            ),
            Column("equipment_text", _("主要装备"), kind=TEXT, example="排水泵车 2 台"),
            region_column(),
            *point_columns(_("驻地地址")),
            owner_column(),
            review_column(),
            Column("note", _("备注")),
        ],
        create_via=team_create,
        update_via=team_update,
        natural_key=("region", "name"),
        bulk=True,  # team_create is registry_create: full_clean + save + history
        select_related=("region", "owner_unit"),
        prefetch_related=("capabilities",),
    )
)
