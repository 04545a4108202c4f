"""Field validators of the reporters app."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

#: A mainland mobile number (11 digits, 13x–19x) or a landline with an optional area code
#: and extension: ``13912345678``, ``0531-86012345``, ``053186012345``, ``86012345-801``.
PHONE_RE = re.compile(r"^(?:1[3-9]\d{9}|(?:0\d{2,3}-?)?[2-9]\d{6,7}(?:-\d{1,6})?)$")

#: A utility's service hotline (``95598``, ``0531-96111``, ``12345``): lifeline utilities
#: publish their 24-hour numbers this way.
HOTLINE_RE = re.compile(r"^(?:0\d{2,3}-?)?(?:9[56]\d{3,4}|12\d{3})$")


def normalize_phone(value: str) -> str:
    """Strip spaces and a leading +86 so that ``+86 139 1234 5678`` is ``13912345678``."""
    value = re.sub(r"[\s()（）]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value


def validate_phone(value: str) -> None:
    """Refuse anything that is not a Chinese mobile or landline number."""
    if not PHONE_RE.match(value or ""):
        raise ValidationError(
            _("请填写有效的手机号（如 13912345678）或座机号（如 0531-86012345）。"),
            code="invalid_phone",
        )


def validate_duty_phone(value: str) -> None:
    """A 24-hour phone: a mobile, a landline or a service hotline (95598, 96111…)."""
    if not (PHONE_RE.match(value or "") or HOTLINE_RE.match(value or "")):
        raise ValidationError(
            _("请填写有效的电话：手机号、座机号或服务热线（如 0531-96111）。"),
            code="invalid_phone",
        )
