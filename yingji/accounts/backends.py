"""Grants model permissions from the user's role (see ``roles.py``)."""

from __future__ import annotations

from typing import Any

from django.apps import apps

from yingji.core.models import ACTIONS

from .roles import role_allows


class RoleBackend:
    """Answers ``user.has_perm("app.action_model")`` from ``ROLE_PERMISSIONS``.

    It comes before ``ModelBackend`` in ``AUTHENTICATION_BACKENDS`` (its grants need no
    query). It signs nobody in and has no ``get_user``, unlike ``BaseBackend``: Django
    takes the first backend that has one as the session's backend for ``force_login``
    and for a ``login()`` without a backend, and that must stay ``ModelBackend``.
    """

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active or not getattr(user_obj, "role", None):
            return False
        try:
            app_label, codename = perm.split(".", 1)
            action, model_name = codename.split("_", 1)
        except ValueError:
            return False
        return role_allows(user_obj.role, app_label, model_name, action)

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or not getattr(user_obj, "role", None):
            return set()
        return {
            f"{model._meta.app_label}.{action}_{model._meta.model_name}"
            for model in apps.get_models()
            for action in ACTIONS
            if role_allows(user_obj.role, model._meta.app_label, model._meta.model_name, action)
        }
