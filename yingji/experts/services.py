"""Writes for the expert pool: experts, first appointments and renewals (never edits)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yingji.core.registry import registry_create, registry_update
from yingji.core.services import check_scope, save_with_history

from .choices import TermStatus
from .models import Expert, ExpertTerm


def expert_create(*, actor: Any, **fields: Any) -> Expert:
    expert: Expert = registry_create(actor=actor, model=Expert, reason=_("登记专家"), **fields)
    return expert


def expert_update(*, actor: Any, obj: Expert, **fields: Any) -> Expert:
    expert: Expert = registry_update(actor=actor, obj=obj, reason=_("修改专家"), **fields)
    return expert


def _new_term(
    *, actor: Any, expert: Expert, renews: ExpertTerm | None, reason: str, **fields: Any
) -> ExpertTerm:
    if actor is not None:
        check_scope(actor=actor, model=ExpertTerm, action="add", region=expert.region)
    term = ExpertTerm(expert=expert, renews=renews, status=TermStatus.SERVING, **fields)
    term.full_clean()
    return save_with_history(term, actor=actor, reason=reason)


@transaction.atomic
def expert_add_term(
    *, actor: Any, expert: Expert, term_start: date, term_end: date, document_no: str = ""
) -> ExpertTerm:
    """Record an appointment (聘任) of ``expert`` for a term."""
    return _new_term(
        actor=actor,
        expert=expert,
        renews=None,
        reason=_("聘任"),
        term_start=term_start,
        term_end=term_end,
        document_no=document_no,
    )


@transaction.atomic
def expert_renew_term(
    *,
    actor: Any,
    expert: Expert,
    term_end: date,
    document_no: str = "",
    term_start: date | None = None,
) -> ExpertTerm:
    """Renew (续聘) the expert's latest serving term: a NEW term that points at it.

    The old term is left exactly as it was (its history shows no change). The new term
    starts the day after the old one ends unless ``term_start`` says otherwise; it may not
    start before the old one did.
    """
    # Renewals of one expert are serialised on the expert's row (PostgreSQL refuses
    # FOR UPDATE on the nullable side of the outer join below).
    Expert.objects.select_for_update().filter(pk=expert.pk).first()
    previous = (
        ExpertTerm.objects.filter(expert=expert, status=TermStatus.SERVING, renewed_by__isnull=True)
        .order_by("-term_end", "-pk")
        .first()
    )
    if previous is None:
        raise ValidationError({"term_end": _("该专家没有可续聘的聘期，请先登记聘任。")})
    start = term_start or previous.term_end + timedelta(days=1)
    if start <= previous.term_start:
        raise ValidationError({"term_start": _("续聘的聘期不能早于原聘期开始。")})
    return _new_term(
        actor=actor,
        expert=expert,
        renews=previous,
        reason=_("续聘"),
        term_start=start,
        term_end=term_end,
        document_no=document_no,
    )
