"""Writes for shelters (scope checked, with history; point from the outline if not given)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yingji.core.registry import registry_create, registry_update

from .models import Shelter


def shelter_create(*, actor: Any, **fields: Any) -> Shelter:
    shelter: Shelter = registry_create(
        actor=actor, model=Shelter, reason=_("登记避难场所"), **fields
    )
    return shelter


def shelter_update(*, actor: Any, obj: Shelter, **fields: Any) -> Shelter:
    shelter: Shelter = registry_update(actor=actor, obj=obj, reason=_("修改避难场所"), **fields)
    return shelter
