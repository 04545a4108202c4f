"""Grants model permissions from the user's role (see ``roles.py``)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.backends import BaseBackend

from yingji.core.models import ACTIONS

from .roles import role_allows


class RoleBackend(BaseBackend):
    """Answers ``user.has_perm("app.action_model")`` from ``ROLE_PERMISSIONS``."""

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
