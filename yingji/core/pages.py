"""Helpers for list pages."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def paginate(request: HttpRequest, queryset: Any, per_page: int = 50) -> Page[Any]:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
