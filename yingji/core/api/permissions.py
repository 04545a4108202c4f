"""API permission: authenticated, and the role allows the action on the model.

Which rows are visible or editable is decided by ``restrict()`` in the viewset's
queryset; this class only refuses requests the role can never make.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from yingji.core.models import permission_name

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


def action_for(request: Any, view: Any = None) -> str:
    """The permission action a request needs; viewset actions may override it."""
    override = getattr(view, "permission_actions", {}).get(getattr(view, "action", None))
    return override or METHOD_ACTIONS.get(request.method, "change")


class RestrictedModelPermissions(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        queryset = getattr(view, "queryset", None)
        if queryset is None:
            return True
        return bool(user.has_perm(permission_name(queryset.model, action_for(request, view))))
