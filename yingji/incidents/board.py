"""The duty-room board's rows as HTML, built in Python.

The board shows up to 100 rows and the change feed re-sends changed ones; through the
template engine a row cost ~0.5 ms (includes, ``{% url %}``, date filters), most of the
page's time. Here a row is a few string formats. Every string is still Chinese through
gettext (the same msgids as the templates), every value escaped by ``format_html``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .choices import IncidentStatus, Severity
from .models import Incident

NONE = mark_safe('<span class="muted">—</span>')
EMPTY = mark_safe("")


def severity_badge(level: int) -> SafeString:
    """The level as a coloured tag (the same markup as ``_sev.html``)."""
    names = {
        1: (_("特别重大"), _("特别重大（Ⅰ级）")),
        2: (_("重大"), _("重大（Ⅱ级）")),
        3: (_("较大"), _("较大（Ⅲ级）")),
    }
    short, full = names.get(level, (_("一般"), _("一般（Ⅳ级）")))
    return format_html('<span class="sev sev-{}" title="{}">{}</span>', level, full, short)


class RowMaker:
    """Builds rows; what every row shares (badges, labels, the URL pattern, "today") is
    worked out once per answer — gettext and ``reverse`` cost more than the row itself."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.today = timezone.localtime(now).date()
        self.badges = {level: severity_badge(level) for level in Severity.values}
        self.statuses = {str(value): str(label) for value, label in IncidentStatus.choices}
        self.url = reverse("incidents:detail", args=[0]).replace("/0/", "/{}/")
        self.casualty_formats = (
            ("deaths", _("亡%(n)s")),
            ("injuries", _("伤%(n)s")),
            ("missing", _("失踪%(n)s")),
            ("trapped", _("困%(n)s")),
        )

    def detail_url(self, pk: int) -> str:
        return self.url.format(pk)

    def _casualties(self, incident: Incident) -> SafeString:
        parts = [
            text % {"n": getattr(incident, name)}
            for name, text in self.casualty_formats
            if getattr(incident, name)
        ]
        if not parts:
            return NONE
        return format_html("{}", " ".join(parts))

    def row(self, incident: Incident, deadline: Any) -> SafeString:
        """One ``<tr>``: level, title, region, receipt, status, next deadline, casualties.
        ``deadline`` is the incident's next open deadline (or None); a row whose deadline
        has passed is drawn overdue already (the countdown script keeps it so)."""
        received = timezone.localtime(incident.received_at)
        shown = received.strftime("%H:%M" if received.date() == self.today else "%m-%d %H:%M")
        overdue = deadline is not None and deadline.due_at < self.now
        if deadline is not None:
            due = timezone.localtime(deadline.due_at).isoformat()
            cell = format_html(
                '<span class="deadline-label">{}</span>'
                '<span class="countdown{}" data-due="{}">{}</span>',
                deadline.label,
                " is-overdue" if overdue else "",
                due,
                due[11:16],
            )
            due_attr = format_html(' data-due="{}"', due)
        else:
            cell, due_attr = NONE, EMPTY
        region = incident.region
        if region is None:
            place = NONE
        elif region.level == "township" and region.parent is not None:
            place = format_html(
                '{}<br><small class="muted">{}</small>', region.parent.name, region.name
            )
        else:
            place = format_html("{}", region.name)
        return format_html(
            '<tr data-incident="{pk}" data-severity="{sev}"{due_attr} class="sev-bar-{sev}{overdue}">'
            "<td>{badge}</td>"
            '<td class="board-title wrap"><a href="{url}">{title}</a><small>{number} · {type}</small></td>'
            '<td class="region">{region}</td>'
            '<td class="code" title="{received_full}">{received}</td>'
            '<td><span class="tag">{status}</span></td>'
            "<td data-next-deadline>{cell}</td>"
            '<td class="num">{casualties}</td></tr>',
            pk=incident.pk,
            sev=incident.severity,
            due_attr=due_attr,
            overdue=" is-overdue" if overdue else "",
            badge=self.badges.get(incident.severity, ""),
            url=self.detail_url(incident.pk),
            title=incident.title,
            number=f"{received:%Y%m%d}-{incident.pk:05d}",  # Incident.number, without a second localtime
            type=incident.incident_type.name if incident.incident_type_id else "",
            region=place,
            received_full=received.strftime("%Y-%m-%d %H:%M:%S"),
            received=shown,
            status=self.statuses.get(incident.status, incident.status),
            cell=cell,
            casualties=self._casualties(incident),
        )

    def point(self, incident: Incident) -> dict[str, Any] | None:
        """The map point of a row (None without coordinates)."""
        if incident.lon is None or incident.lat is None:
            return None
        return {
            "id": incident.pk,
            "lon": incident.lon,
            "lat": incident.lat,
            "severity": incident.severity,
            "number": f"{timezone.localtime(incident.received_at):%Y%m%d}-{incident.pk:05d}",
            "title": incident.title,
            "url": self.detail_url(incident.pk),
        }
