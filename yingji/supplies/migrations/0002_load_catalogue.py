"""Load the GB/T 38565 大类 and the starter local catalogue (data/*.json)."""

from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    from yingji.supplies.catalogue import load_catalogue

    load_catalogue(apps.get_model("supplies", "SupplyCategory"), apps.get_model("supplies", "SupplyItem"))


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
