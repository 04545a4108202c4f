"""API token authentication that reads the user's jurisdiction with the token."""

from __future__ import annotations

import functools
from typing import Any

from django.db import connections, router
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from yingji.accounts.models import Unit, User
from yingji.core import rows
from yingji.geo.models import Region


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication; the same query also reads the user's region path.

    Nearly every API request asks ``user.scope_path`` (``restrict()``, ``check_scope``):
    read here, it is a join in the token's query instead of a query of its own. Like the
    user row, it is read afresh on every request (a moved unit counts at once); only the
    statement is written once (``_token_sql``).
    """

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        model: Any = self.get_model()
        if model is not Token:  # pragma: no cover - a project's own token model
            return self._by_queryset(model, key)
        alias = router.db_for_read(Token)
        with rows.prepared_cursor(alias) as cursor:
            cursor.execute(_token_sql(alias), [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = rows.instance(Token, alias, row)
        user = rows.instance(User, alias, row[len(Token._meta.concrete_fields) :])
        token.user = user
        return self._checked(user, token, row[-1])

    def _by_queryset(self, model: Any, key: str) -> tuple[Any, Any]:
        try:
            token = (
                model.objects.select_related("user")
                .annotate(scope_path=F("user__unit__region__path"))
                .get(key=key)
            )
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return self._checked(token.user, token, token.scope_path)

    @staticmethod
    def _checked(user: Any, token: Any, scope_path: str | None) -> tuple[Any, Any]:
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if user.unit_id is not None:
            # what ``User.scope_path`` (a cached property) would read with a query
            user.__dict__["scope_path"] = scope_path
        return (user, token)


@functools.cache
def _token_sql(alias: str) -> str:
    """The token, its user and the user's region path by key: the queryset's join, written
    once per database (compiling it was half of authenticating; decision 0016)."""
    quote = connections[alias].ops.quote_name
    token, user = Token._meta.db_table, User._meta.db_table
    unit, region = Unit._meta.db_table, Region._meta.db_table

    def col(model: Any, name: str, table: str) -> str:
        return rows.column(model, name, alias, table)

    return (
        f"SELECT {rows.columns(Token, alias, token)}, {rows.columns(User, alias, user)},"
        f" {col(Region, 'path', region)}"
        f" FROM {quote(token)} INNER JOIN {quote(user)}"
        f" ON {col(Token, 'user', token)} = {col(User, 'pk', user)}"
        f" LEFT OUTER JOIN {quote(unit)} ON {col(User, 'unit', user)} = {col(Unit, 'pk', unit)}"
        f" LEFT OUTER JOIN {quote(region)}"
        f" ON {col(Unit, 'region', unit)} = {col(Region, 'pk', region)}"
        f" WHERE {col(Token, 'key', token)} = %s"
    )
