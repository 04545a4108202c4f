"""Writes for units and users. Every write records the acting user in the history."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yingji.core.services import check_scope, save_with_history

from .models import Unit, User


@transaction.atomic
def unit_create(*, actor: User | None, **fields: Any) -> Unit:
    """Register a unit in a region the actor may add units to."""
    unit = Unit(**fields)
    if actor is not None:
        check_scope(actor=actor, model=Unit, action="add", region=unit.region)
    unit.full_clean()
    return save_with_history(unit, actor=actor, reason=_("新建单位"))


@transaction.atomic
def unit_update(*, actor: User | None, unit: Unit, **fields: Any) -> Unit:
    if actor is not None:
        # Both where it is and where it would go must be in the actor's scope.
        for region in (unit.region, fields.get("region", unit.region)):
            check_scope(actor=actor, model=Unit, action="change", region=region)
    for name, value in fields.items():
        setattr(unit, name, value)
    unit.full_clean()
    return save_with_history(unit, actor=actor, reason=_("修改单位"))


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    unit: Unit | None,
    full_name: str = "",
    phone: str = "",
    is_demo: bool = False,
    check_password: bool = True,
) -> User:
    """Create an account. Only the city administrator (or the system, actor=None) may."""
    if actor is not None and not actor.has_perm("accounts.add_user"):
        raise PermissionDenied(_("只有市级管理员可以创建账号。"))
    user = User(
        username=username,
        role=role,
        unit=unit,
        full_name=full_name,
        phone=phone,
        is_demo=is_demo,
    )
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("账号已存在。")})
    return save_with_history(user, actor=actor, reason=_("新建账号"))


@transaction.atomic
def user_update(*, actor: User | None, user: User, reason: str = "", **fields: Any) -> User:
    """Change an account's role, unit, flags or contact. City administrator (or system) only.

    Passwords are not changed here (Django's password views and ``set_password`` do that).
    """
    if actor is not None and not actor.has_perm("accounts.change_user"):
        raise PermissionDenied(_("只有市级管理员可以修改账号。"))
    if "password" in fields:
        raise ValueError("user_update does not set passwords")
    for name, value in fields.items():
        setattr(user, name, value)
    user.__dict__.pop("scope_path", None)  # a new unit means a new scope
    user.full_clean(exclude=["password"])
    return save_with_history(user, actor=actor, reason=reason or _("修改账号"))
