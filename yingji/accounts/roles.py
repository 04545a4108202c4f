"""What each role may do, as data.

Each entry maps a model pattern (``app_label.model_name``, shell-style wildcards) to the
actions allowed on it. Region scoping is applied on top by ``restrict()``: a county
officer who may change hazards changes only the hazards of their own region.
Later apps add their models here.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from functools import cache

from .choices import Role

ALL = ("view", "add", "change", "delete")
VIEW = ("view",)

# Who reports incidents: the report chain and its attachments.
REPORTING = {
    "incidents.incident": ("view", "add", "change"),
    "incidents.report": ("view", "add", "change"),
    "incidents.attachment": ("view", "add"),
    "incidents.incidentlog": ("view",),
}
# Reviewers of the report chain: findings of late, missed, concealed, false reports.
REVIEW = {
    "deadlines.finding": ("view", "add", "change"),
    # The duty room accepts or returns the counties' officer rosters (S5).
    "reporters.rosterfiling": ("view", "change"),
    "incidents.event": ("view", "add", "change"),
}

# The registries of the one map (S2–S4, S12, S13): each county and department keeps its own.
REGISTRIES = {
    f"{app}.*": ("view", "add", "change")
    for app in ("supplies", "equipment", "teams", "experts", "shelters", "hazards", "targets")
}

ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.CITY_ADMIN: {"*": ALL},
    Role.DUTY_OFFICER: {"*": VIEW, **REPORTING, **REVIEW, "duty.*": ("view", "add", "change")},
    Role.DUTY_LEADER: {"*": VIEW, **REPORTING, **REVIEW, "duty.*": ("view", "add", "change")},
    Role.COUNTY_OFFICER: {
        "*": VIEW,
        "accounts.unit": ("view", "add", "change"),
        "reporters.*": ("view", "add", "change"),
        **REGISTRIES,
        # The supplies catalogue (GB/T 38565 codes) is city-wide: only the city edits it.
        "supplies.supplycategory": VIEW,
        "supplies.supplyitem": VIEW,
        **REPORTING,
        # A county may add its own deadline rules, stricter than the city's (validated);
        # only the city administrator deletes rules (docs/models/deadline-rule.md).
        "deadlines.deadlinerule": ("view", "add", "change"),
    },
    Role.INFO_OFFICER: {
        "geo.region": VIEW,
        "accounts.unit": VIEW,
        "incidents.incidenttype": VIEW,
        "incidents.incident": ("view", "add"),
        "incidents.report": ("view", "add"),
        "incidents.attachment": ("view", "add"),
        "incidents.notification": VIEW,
    },
    Role.DIRECT_REPORT: {
        "geo.region": VIEW,
        "accounts.unit": VIEW,
        "incidents.incidenttype": VIEW,
        "incidents.incident": ("view", "add"),
        "incidents.report": ("view", "add"),
        "incidents.attachment": ("view", "add"),
        "incidents.notification": VIEW,
    },
    Role.VIEWER: {"*": VIEW},
}

# Roles that see, of the models declaring ``own_records``, only what their own unit
# reported: a direct-report point (a utility in the city region) must not read the
# whole city's incidents.
OWN_RECORDS_ONLY_ROLES = frozenset({Role.DIRECT_REPORT})

# Account administration stays with the city: nobody else may list or edit users.
CITY_ONLY = ("accounts.user",)


@cache
def is_domain_app(app_label: str) -> bool:
    """Whether ``app_label`` is one of Yingji's own apps."""
    from django.apps import apps

    try:
        return apps.get_app_config(app_label).name.startswith("yingji.")
    except LookupError:
        return False


@cache
def role_allows(role: str, app_label: str, model_name: str, action: str) -> bool:
    """Whether ``role`` may perform ``action`` on ``app_label.model_name``.

    Cached per process: the answer depends on these four strings and the constants above
    only (code, not data), so nothing can make it stale. Who the user is — their current
    role, whether they are active — is read from the user row on every request.
    """
    if not is_domain_app(app_label):
        return False  # Django's own tables (sessions, admin log…) are not granted by roles
    key = f"{app_label}.{model_name}"
    if key in CITY_ONLY and role != Role.CITY_ADMIN:
        return False
    rules = ROLE_PERMISSIONS.get(role, {})
    # The most specific pattern wins: an exact entry overrides a wildcard.
    matches = [
        (pattern, actions) for pattern, actions in rules.items() if fnmatchcase(key, pattern)
    ]
    if not matches:
        return False
    _pattern, actions = max(matches, key=lambda item: len(item[0].replace("*", "")))
    return action in actions
