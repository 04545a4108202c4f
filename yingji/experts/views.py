"""Pages of the expert pool (S12): list with filters (incident type, expired terms)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.registry import Column, RegistryPages, registry_mark_reviewed
from yingji.core.registry_forms import FormTarget, RecordForm, create_url

from .filtersets import ExpertFilterSet
from .models import Expert, ExpertTerm
from .selectors import with_latest_term_end
from .services import expert_add_term, expert_create, expert_renew_term, expert_update


class RenewForm(forms.Form):
    """续聘: a new term after the latest one (its start defaults to the day after it ends)."""

    term_end = forms.DateField(
        label=_("新聘期结束"), widget=forms.DateInput(attrs={"type": "date"})
    )
    term_start = forms.DateField(
        label=_("新聘期开始"),
        required=False,
        help_text=_("留空则从原聘期结束的次日开始。"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    document_no = forms.CharField(label=_("聘任文号"), max_length=64, required=False)


TERM_FORM = FormTarget(
    ExpertTerm,
    "experts",
    "term",
    RecordForm(
        fields=("term_start", "term_end", "document_no"),
        create=expert_add_term,
        update=None,
        parent="expert",
        parent_detail="experts:expert_detail",
        title=_("聘期"),
    ),
)
RENEW_FORM = FormTarget(
    ExpertTerm,
    "experts",
    "renewal",
    RecordForm(
        fields=("term_end", "term_start", "document_no"),
        create=expert_renew_term,
        update=None,
        parent="expert",
        parent_detail="experts:expert_detail",
        form_class=RenewForm,
        title=_("续聘"),
        help_text=_("续聘登记一个新聘期，原聘期保持不变。"),
    ),
)


def _expert_context(request: HttpRequest, expert: Expert) -> dict[str, Any]:
    return {
        "term_create_url": create_url(request, TERM_FORM, parent=expert),
        "renew_url": create_url(request, RENEW_FORM, parent=expert),
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
    form=RecordForm(
        fields=(
            "name",
            "gender",
            "title",
            "position",
            "employer",
            "code",
            "specialty",
            "expertise",
            "phone",
            "email",
            "availability",
            "note",
            "owner_unit",
            "review_interval_days",
            "address",
        ),
        create=expert_create,
        update=expert_update,
        review=registry_mark_reviewed,
        title=_("专家"),
        help_text=_("聘期在专家详情页登记和续聘。"),
    ),
)
