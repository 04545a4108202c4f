"""The systems of MISSION.md (S1–S17): the navigation and what is built so far.

``url_name`` is set once a system has real pages; until then its page says plainly that
it is not built yet. ``perm`` (a Django permission such as ``supplies.view_warehouse``,
granted by the role table) says who may open a system or one of its links: the
navigation shows each user only what they can open (:func:`systems_for`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class System:
    id: str
    name: str | Promise
    summary: str | Promise
    icon: str
    url_name: str = ""
    # More pages of the system, shown under it in the navigation: (label, url name, perm).
    links: tuple[tuple[str | Promise, str, str], ...] = ()
    # The permission needed to open the system's page ("" = every signed-in user).
    perm: str = ""

    @property
    def built(self) -> bool:
        return bool(self.url_name)


SYSTEMS: tuple[System, ...] = (
    System("S1", _("应急平台"), _("信息汇聚、辅助指挥决策、互联互通"), "🛰"),
    System(
        "S2",
        _("应急一张图"),
        _("风险隐患、防护目标、队伍物资一图展示"),
        "🗺",
        "geo:map",
        links=(
            (_("资源目录与普查"), "catalogue:index", "catalogue.view_importjob"),
            (_("避难场所"), "shelters:shelter_list", "shelters.view_shelter"),
            (_("防护目标"), "targets:target_list", "targets.view_protectiontarget"),
        ),
    ),
    System(
        "S3",
        _("应急物资储备"),
        _("物资普查登记、动态库存、统一调配"),
        "📦",
        "supplies:dashboard",
        perm="supplies.view_stocklot",
        links=(
            (_("仓库"), "supplies:warehouse_list", "supplies.view_warehouse"),
            (_("库存批次"), "supplies:lot_list", "supplies.view_stocklot"),
            (_("统一调配"), "supplies:dispatch", "supplies.change_stocklot"),
        ),
    ),
    System(
        "S4",
        _("危险源数据库"),
        _("危险源、道路低洼路段、风险管控"),
        "⚠",
        "hazards:hazard_list",
        perm="hazards.view_hazardsource",
        links=(
            (_("低洼路段"), "hazards:road_list", "hazards.view_lowlyingroad"),
            (_("逾期未核查"), "hazards:overdue_reviews", "hazards.view_hazardsource"),
        ),
    ),
    System(
        "S5",
        _("基层信息员"),
        _("信息员名录、评分与通报"),
        "👥",
        "reporters:officer_list",
        perm="reporters.view_informationofficer",
        links=((_("花名册报备"), "reporters:roster_page", "reporters.view_rosterfiling"),),
    ),
    System(
        "S6",
        _("信息直报点"),
        _("水电气热、公交、危化企业直报"),
        "📡",
        "reporters:point_list",
        perm="reporters.view_directreportpoint",
    ),
    System(
        "S7",
        _("政务值班"),
        _("24小时值班、领导带班、查岗抽查"),
        "☎",
        "duty:log",
        perm="duty.view_dutylogentry",
    ),
    System(
        "S8",
        _("突发事件信息报告"),
        _("首报续报终报、时限、迟报漏报"),
        "📝",
        "incidents:board",
        perm="incidents.view_incident",
        links=(
            (_("事件列表"), "incidents:list", "incidents.view_incident"),
            (_("报送事件"), "incidents:report_new", "incidents.add_incident"),
            (_("报告时限规则"), "deadlines:rule_list", "deadlines.view_deadlinerule"),
            (_("评分排名"), "scoring:rankings", "scoring.view_scoreentry"),
            (_("通报"), "scoring:notice_list", "scoring.view_notice"),
        ),
    ),
    System("S9", _("网上考核自评"), _("指标体系、网上自评、年度考核"), "📊"),
    System("S10", _("预警信息发布"), _("气象预警信号、CAP、应急广播"), "📢"),
    System("S11", _("应急预案与演练"), _("预案动态管理、演练计划与评估"), "📘"),
    System(
        "S12",
        _("专家库"),
        _("专家分类、聘期、会商"),
        "🎓",
        "experts:expert_list",
        perm="experts.view_expert",
    ),
    System(
        "S13",
        _("应急队伍"),
        _("综合队伍、专业队伍、社会特种车辆"),
        "🚒",
        "teams:team_list",
        perm="teams.view_team",
        links=((_("装备与特种车辆"), "equipment:equipment_list", "equipment.view_equipment"),),
    ),
    System("S14", _("联动响应"), _("分级处置流程、成员单位与周边城市联动"), "🔗"),
    System("S15", _("镇街标准化"), _("“六有”检查、示范点申报与验收"), "🏘"),
    System("S16", _("能力评估与总结"), _("能力评估、年度总结、典型案例库"), "📈"),
    System("S17", _("宣传教育"), _("科普知识库、培训课程"), "📚"),
)

BY_ID = {system.id: system for system in SYSTEMS}


def systems_for(user: Any) -> list[System]:
    """The systems ``user`` may open, each with only the links they may open.

    A system not built yet stays listed (its page says so); a built one whose page the
    user's role does not grant is left out, so nobody is sent to a refusal.
    """
    shown = []
    for system in SYSTEMS:
        if system.built and system.perm and not user.has_perm(system.perm):
            continue
        links = tuple(link for link in system.links if user.has_perm(link[2]))
        shown.append(replace(system, links=links) if links != system.links else system)
    return shown
