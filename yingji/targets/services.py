"""Writes for protection targets (scope checked, with history)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yingji.core.registry import registry_create, registry_update

from .models import ProtectionTarget


def target_create(*, actor: Any, **fields: Any) -> ProtectionTarget:
    target: ProtectionTarget = registry_create(
        actor=actor, model=ProtectionTarget, reason=_("登记防护目标"), **fields
    )
    return target


def target_update(*, actor: Any, obj: ProtectionTarget, **fields: Any) -> ProtectionTarget:
    target: ProtectionTarget = registry_update(
        actor=actor, obj=obj, reason=_("修改防护目标"), **fields
    )
    return target
