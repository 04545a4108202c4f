"""Admin base: history on every model, and region scoping for non-superusers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin


class RestrictedAdmin(SimpleHistoryAdmin):
    """Admin for region-scoped models; lists only what the staff user may see."""

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.restrict(request.user, "view")
