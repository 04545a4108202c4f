"""Template helpers for the page shell and list pages: ``{% load yingji_tags %}``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.conf import settings
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context: template.Context, **changes: Any) -> str:
    """The current query string with ``changes`` applied (``None`` or "" removes a key).

    Used for pagination and sort links so that filters survive: ``?{% query_replace page=2 %}``.
    """
    request = context.get("request")
    query: QueryDict = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = str(value)
    return query.urlencode()


@register.simple_tag(takes_context=True)
def sort_link(context: template.Context, field: str, label: str) -> str:
    """A column header that sorts by ``field``; a second click reverses the order.

    The current sort is shown with an arrow and ``aria-sort`` so screen readers say it.
    Changing the sort goes back to the first page.
    """
    current = context.get("sort") or ""
    if current == field:
        target, arrow, state = f"-{field}", "▲", "ascending"
    elif current == f"-{field}":
        target, arrow, state = field, "▼", "descending"
    else:
        target, arrow, state = field, "", "none"
    query = query_replace(context, sort=target, page=None, export=None)
    return format_html(
        '<a class="sort-link" href="?{}" data-sort-state="{}" title="{}">{}'
        '<span class="sort-arrow" aria-hidden="true">{}</span></a>',
        query,
        state,
        _("按此列排序"),
        label,
        arrow,
    )


@register.simple_tag(takes_context=True)
def export_query(context: template.Context) -> str:
    """The current filters and sort, with ``export=xlsx`` and without the page."""
    return query_replace(context, export="xlsx", page=None)


@register.simple_tag
def city_name() -> str:
    """The name of the city this installation serves (``YINGJI_CITY_CODE``), or ""."""
    from yingji.geo.models import Region

    name = (
        Region.objects.filter(code=settings.YINGJI_CITY_CODE).values_list("name", flat=True).first()
    )
    return name or ""


@register.simple_tag
def login_failure_limit() -> int:
    return int(getattr(settings, "AXES_FAILURE_LIMIT", 5))


@register.simple_tag
def login_cooloff_minutes() -> int:
    hours = getattr(settings, "AXES_COOLOFF_TIME", 0.5)
    if isinstance(hours, timedelta):
        return round(hours.total_seconds() / 60)
    if callable(hours):
        return 0
    return round(float(hours) * 60)


@register.filter
def total_minutes(value: Any) -> int:
    """Minutes in a ``timedelta`` (rounded up), e.g. a lockout's cool-off time."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        return int(-(-seconds // 60))
    return 0


@register.simple_tag(takes_context=True)
def nav_current(context: template.Context, *url_names: str) -> str:
    """``aria-current="page"`` when the current view is one of ``url_names``."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    current = match.view_name
    if current in url_names:
        return mark_safe('aria-current="page"')
    return ""


@register.simple_tag(takes_context=True)
def system_current(context: template.Context, system: Any) -> str:
    """``aria-current="page"`` on the navigation entry of the system being shown."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if system.built and match.view_name == system.url_name:
        return mark_safe('aria-current="page"')
    if match.view_name == "core:system" and str(match.kwargs.get("system_id", "")).upper() == (
        system.id
    ):
        return mark_safe('aria-current="page"')
    return ""
