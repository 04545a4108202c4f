"""Census templates of the expert pool (应急专家普查表) and of the experts' terms of
office (聘期登记表), read by the catalogue app.

A term row names its expert as people know them: the name, and the mobile phone or the
region code when two experts share a name. A term is never edited once recorded: a
renewal (续聘) is a new row marked 续聘 that becomes a new term pointing at the expert's
latest serving term (``expert_renew_term``).
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from yingji.catalogue.census import (
    BOOL,
    CHOICE,
    DATE,
    FK,
    REGION,
    TEXT,
    CensusSpec,
    Column,
    incident_types_column,
    owner_column,
    region_column,
    register,
    review_column,
)

from .models import Expert, ExpertTerm
from .services import expert_add_term, expert_create, expert_renew_term, expert_update

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


def _experts(user: Any) -> Any:
    return Expert.objects.restrict(user, "view").select_related("region")


def _term_create(*, actor: Any, **fields: Any) -> ExpertTerm:
    renewal = fields.pop("renewal", False)
    if renewal:
        return expert_renew_term(
            actor=actor,
            expert=fields["expert"],
            term_start=fields.get("term_start"),
            term_end=fields["term_end"],
            document_no=fields.get("document_no", ""),
        )
    return expert_add_term(
        actor=actor,
        expert=fields["expert"],
        term_start=fields["term_start"],
        term_end=fields["term_end"],
        document_no=fields.get("document_no", ""),
    )


def _term_update(*, actor: Any, obj: ExpertTerm, **fields: Any) -> ExpertTerm:
    """A recorded term stays as it is: re-importing it unchanged is fine, a change is a fault."""
    changed = [
        name
        for name in ("term_end", "document_no")
        if name in fields and fields[name] != getattr(obj, name)
    ]
    if changed:
        raise ValidationError(
            {
                name: [_g("已登记的聘期不能修改；续聘请新增一行，并在“续聘”列填“是”。")]
                for name in changed
            }
        )
    return obj


register(
    CensusSpec(
        key="experts.expertterm",
        model=ExpertTerm,
        title=_("专家聘期"),
        intro=_(
            "每行一个聘期（聘任或续聘）；按姓名找到专家，重名时请同时填写手机或行政区划代码。"
            "已登记的聘期不能修改：续聘请新增一行并在“续聘”列填“是”。"
        ),
        columns=[
            Column(
                "expert",
                _("专家姓名"),
                kind=FK,
                required=True,
                related=Expert,
                lookups=("name",),
                related_queryset=_experts,
                within=(("_expert_phone", "phone"), ("_expert_region", "region")),
                help=_("专家库中已登记的专家姓名。"),
                example="孙七",
            ),
            Column(
                "_expert_phone",
                _("专家手机"),
                kind=TEXT,
                help=_("专家库中登记的手机号；姓名不重复时可留空。"),
                export=lambda term: term.expert.phone,
                example="13700000000",
            ),
            Column(
                "_expert_region",
                _("专家所在行政区划代码"),
                kind=REGION,
                help=_("专家登记的区县代码；姓名不重复时可留空。"),
                example="370102",
            ),
            Column("term_start", _("聘期开始"), kind=DATE, required=True, example="2024-01-01"),
            Column("term_end", _("聘期结束"), kind=DATE, required=True, example="2026-12-31"),
            Column("document_no", _("聘任文号"), example="济应急字〔2024〕1号"),
            Column(
                "renewal",
                _("续聘"),
                kind=BOOL,
                help=_("填“是”：续聘该专家当前的聘期（原聘期保持不变）；留空或“否”为新聘任。"),
                export=lambda term: "是" if term.renews_id else "否",
                example="否",
            ),
        ],
        create_via=_term_create,
        update_via=_term_update,
        natural_key=("expert", "term_start"),
        parent="expert",
        select_related=("expert", "expert__region"),
    )
)
