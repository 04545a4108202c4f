"""Pages of the expert pool (S12): list with filters (incident type, expired terms)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.registry import Column, RegistryPages

from .filtersets import ExpertFilterSet
from .models import Expert
from .selectors import with_latest_term_end


def _expert_context(request: HttpRequest, expert: Expert) -> dict[str, Any]:
    return {
        "terms": expert.terms.restrict(request.user, "view").select_related("renews"),
        "expertise": expert.expertise.order_by("code"),
        "today": timezone.localdate(),
    }


EXPERT_PAGES = RegistryPages(
    model=Expert,
    namespace="experts",
    slug="expert",
    title=_("应急专家库"),
    intro=_("按自然灾害、事故灾难、公共卫生、社会安全四类事件及其亚类登记的专家，含聘期。"),
    filterset_class=ExpertFilterSet,
    columns=(
        Column("name"),
        Column("title"),
        Column("employer"),
        Column("code"),
        Column("specialty", sort=False),
        Column("availability"),
        Column("latest_term_end", _("聘期至")),
        Column("phone", sort=False),
    ),
    detail_fields=(
        "gender",
        "title",
        "position",
        "employer",
        "code",
        "specialty",
        "phone",
        "email",
        "address",
        "availability",
        "region",
        "owner_unit",
        "note",
        "last_reviewed_at",
    ),
    detail_template="experts/expert_detail.html",
    detail_context=_expert_context,
    annotate=with_latest_term_end,
)
