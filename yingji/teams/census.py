"""Census templates of rescue teams (应急队伍普查表) and their members (队员名册), read
by the catalogue app.

A member row names its team as people know it: the team's name, and the code of the
region the team is registered in when two teams share a name.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from yingji.catalogue.census import (
    BOOL,
    CHOICE,
    FK,
    INT,
    REGION,
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

from .models import Team, TeamMember
from .services import team_create, team_member_add, team_member_update, team_update

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


def _teams(user: Any) -> Any:
    return Team.objects.restrict(user, "view").select_related("region")


register(
    CensusSpec(
        key="teams.teammember",
        model=TeamMember,
        title=_("队员名册"),
        intro=_(
            "每行一名队员；按“所属队伍”名称找到队伍，重名的队伍请同时填写队伍所在行政区划代码。"
            "同一队伍内姓名相同视为同一人。"
        ),
        columns=[
            Column(
                "team",
                _("所属队伍"),
                kind=FK,
                required=True,
                related=Team,
                lookups=("name",),
                related_queryset=_teams,
                within=(("_team_region", "region"),),
                help=_("平台中已登记的队伍名称。"),
                example="历下区防汛抢险队",
            ),
            Column(
                "_team_region",
                _("队伍所在行政区划代码"),
                kind=REGION,
                help=_("队伍登记的区县或街道代码；队伍名称不重复时可留空。"),
                example="370102",
            ),
            Column("name", _("姓名"), required=True, example="张三"),
            Column("role", _("职务"), example="队长"),
            Column("phone", _("电话"), example="13800000000"),
            Column("skills", _("技能特长"), example="冲锋舟驾驶、水域救援"),
            Column("certificate", _("资格证书"), example="水域救援技术员"),
            Column("is_active", _("在队"), kind=BOOL, example="是"),
        ],
        create_via=team_member_add,
        update_via=team_member_update,
        natural_key=("team", "name"),
        parent="team",
        bulk=True,  # team_member_add is registry_create: full_clean + save + history
        select_related=("team", "team__region"),
    )
)
