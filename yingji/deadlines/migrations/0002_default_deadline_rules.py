"""Load the default reporting time limits (``data/default_rules.json``) into the city.

On a fresh database the city region does not exist yet when migrations run (regions come
from ``yingji load_regions``): then this does nothing and ``yingji load_deadline_rules``
loads the rules after the regions (the demo runs it). On a database that already has the
city, the rules are loaded here. Idempotent either way.
"""

from django.db import migrations


def load(apps, schema_editor):
    from yingji.deadlines.loader import load_default_rules

    load_default_rules(
        rule_model=apps.get_model("deadlines", "DeadlineRule"),
        region_model=apps.get_model("geo", "Region"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0001_deadline_rules_deadlines_findings"),
        ("geo", "0001_regions"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
