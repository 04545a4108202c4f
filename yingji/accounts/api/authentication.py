"""API token authentication that reads the user's jurisdiction with the token."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication; the same query also reads the user's region path.

    Nearly every API request asks ``user.scope_path`` (``restrict()``, ``check_scope``):
    read here, it is a join in the token's query instead of a query of its own. Like the
    user row, it is read afresh on every request (a moved unit counts at once).
    """

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        model: Any = self.get_model()
        try:
            token = (
                model.objects.select_related("user")
                .annotate(scope_path=F("user__unit__region__path"))
                .get(key=key)
            )
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if user.unit_id is not None:
            # what ``User.scope_path`` (a cached property) would read with a query
            user.__dict__["scope_path"] = token.scope_path
        return (user, token)
