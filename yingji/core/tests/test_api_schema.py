"""The OpenAPI schema is generated without warnings, with stable enum names."""

from __future__ import annotations

from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from yingji.core.api import enums


@pytest.mark.django_db
def test_schema_has_no_warnings_and_names_every_repeated_enum() -> None:
    out = StringIO()
    call_command("spectacular", "--fail-on-warn", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    components = schema["components"]["schemas"]
    for name, _label, _field in enums.NAMED:
        assert f"{name}Enum" in components, name
    # No hashed fallback names such as Kind861Enum.
    hashed = [n for n in components if n.endswith("Enum") and any(c.isdigit() for c in n)]
    assert hashed == []


def test_each_named_enum_reads_its_choices() -> None:
    for name, _label, _field in enums.NAMED:
        assert getattr(enums, name), name
    with pytest.raises(AttributeError):
        enums.NoSuchEnum  # noqa: B018
