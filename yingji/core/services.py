"""Write helpers shared by every app's services."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext as _

from .models import permission_name

M = TypeVar("M", bound=models.Model)


def save_with_history(obj: M, *, actor: Any, reason: str = "") -> M:
    """Save ``obj`` so that its history row names ``actor`` and the reason."""
    if actor is not None:
        obj._history_user = actor  # type: ignore[attr-defined]
    if reason:
        obj._change_reason = reason  # type: ignore[attr-defined]
    obj.save()
    return obj


def region_in_scope(actor: Any, region: Any) -> bool:
    """Whether ``region`` lies in ``actor``'s jurisdiction (their region or below)."""
    if actor.is_superuser:
        return True
    scope: str | None = getattr(actor, "scope_path", None)
    return bool(scope) and region is not None and str(region.path).startswith(scope or "-")


def check_scope(*, actor: Any, model: type[models.Model], action: str, region: Any) -> None:
    """Refuse unless ``actor``'s role allows ``action`` on ``model`` inside ``region``."""
    if not actor.has_perm(permission_name(model, action)):
        raise PermissionDenied(_("您的角色没有这项权限。"))
    if not region_in_scope(actor, region):
        raise PermissionDenied(_("只能处理本辖区的记录。"))
