"""Names for the API schema's enums whose field names repeat across models.

drf-spectacular names an enum after its field (``kind``, ``status``…); when several models
have a ``kind`` with different choices it falls back to hashed names (``Kind861Enum``)
that change whenever a choice does. Each choice set here gets a stable name instead
(``settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]`` points at these attributes).
The choices are read from the models on first use (module ``__getattr__``), so the
settings can import this module before the apps are loaded.
"""

from __future__ import annotations

from django.apps import apps

# (enum name without "Enum", model label, field)
NAMED: tuple[tuple[str, str, str], ...] = (
    ("RegionLevel", "geo.Region", "level"),
    ("HazardLevel", "hazards.HazardSource", "level"),
    ("UnitKind", "accounts.Unit", "kind"),
    ("UnitSector", "accounts.Unit", "sector"),
    ("ReportKind", "incidents.Report", "kind"),
    ("ReportMode", "incidents.Report", "mode"),
    ("AttachmentKind", "incidents.Attachment", "kind"),
    ("IncidentStatus", "incidents.Incident", "status"),
    ("DeadlineKind", "deadlines.Deadline", "kind"),
    ("DeadlineStatus", "deadlines.Deadline", "status"),
    ("FindingKind", "deadlines.Finding", "kind"),
    ("FindingStatus", "deadlines.Finding", "status"),
    ("RosterFilingStatus", "reporters.RosterFiling", "status"),
    ("NoticePeriod", "scoring.Notice", "kind"),
    ("NoticeStatus", "scoring.Notice", "status"),
    ("DutyLogKind", "duty.DutyLogEntry", "kind"),
    ("WarehouseKind", "supplies.Warehouse", "kind"),
    ("MovementKind", "supplies.StockMovement", "kind"),
    ("EquipmentKind", "equipment.Equipment", "kind"),
    ("EquipmentStatus", "equipment.Equipment", "status"),
    ("TeamKind", "teams.Team", "kind"),
    ("TeamSector", "teams.Team", "sector"),
    ("ExpertTermStatus", "experts.ExpertTerm", "status"),
    ("ShelterKind", "shelters.Shelter", "kind"),
    ("ShelterStatus", "shelters.Shelter", "status"),
    ("TargetKind", "targets.ProtectionTarget", "kind"),
    ("ImportJobStatus", "catalogue.ImportJob", "status"),
    ("ImportJobMode", "catalogue.ImportJob", "mode"),
    ("CoordinateSystem", "catalogue.ImportJob", "crs"),
)


def _choices(label: str, field: str) -> list[tuple[str, str]]:
    return list(apps.get_model(label)._meta.get_field(field).choices or [])


def __getattr__(name: str) -> list[tuple[str, str]]:
    for enum, label, field in NAMED:
        if enum == name:
            return _choices(label, field)
    raise AttributeError(name)


def overrides() -> dict[str, str]:
    """The ``ENUM_NAME_OVERRIDES`` setting: enum name → import path of its choices."""
    return {f"{name}Enum": f"{__name__}.{name}" for name, _label, _field in NAMED}
