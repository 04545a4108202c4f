"""Load the GB/T 35561 incident code table (data/gbt35561_incident_types.csv).

Idempotent (matched by code). Later changes to the data file are applied with
``manage.py load_incident_types``; this migration is not re-run.
"""

from django.db import migrations


def load(apps, schema_editor):
    from yingji.incidents.reference import load_incident_types

    load_incident_types(model=apps.get_model("incidents", "IncidentType"))


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0002_notifications_escalation"),
    ]

    operations = [
        # Reverse is a no-op: incidents refer to the codes (on_delete=PROTECT).
        migrations.RunPython(load, migrations.RunPython.noop, elidable=False),
    ]
