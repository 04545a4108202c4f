"""Base pieces every domain model uses: region-scoped querysets and timestamps.

Permissions by region (属地管理) live in one place, :meth:`RestrictedQuerySet.restrict`.
A model opts in by using ``RestrictedManager`` and naming, in ``region_scope``, the
lookup that reaches a ``Region.path`` (e.g. ``"region__path"``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.accounts.models import User

ACTIONS = ("view", "add", "change", "delete")


def ancestor_paths(path: str) -> list[str]:
    """``/370000/370100/370102/`` → ``["/370000/", "/370000/370100/"]``."""
    codes = [code for code in path.split("/") if code]
    return ["/" + "/".join(codes[:i]) + "/" for i in range(1, len(codes))]


def is_own_records_only(user: Any) -> bool:
    """Whether ``user``'s role sees only its own unit's records (accounts.roles)."""
    from yingji.accounts.roles import OWN_RECORDS_ONLY_ROLES

    return getattr(user, "role", None) in OWN_RECORDS_ONLY_ROLES


def permission_name(model: type[models.Model], action: str) -> str:
    """Django's permission string for ``action`` on ``model``, e.g. ``geo.view_region``."""
    opts = model._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


class RestrictedQuerySet(models.QuerySet[Any]):
    """A queryset that knows how to narrow itself to what a user may see or change."""

    def restrict(
        self, user: User | AnonymousUser | None, action: str = "view"
    ) -> RestrictedQuerySet:
        """Return only the rows ``user`` may perform ``action`` on.

        - anonymous or inactive users get nothing;
        - the user's role must grant ``action`` on the model (see ``accounts.roles``);
        - superusers see everything; everyone else sees their unit's region and below
          (a county its own region, the city every region of the city);
        - reporting-only roles (a direct-report point: a water company sits in the city
          region) see, of the models that declare ``own_records``, only the rows their
          unit reported or they created;
        - models with ``shared_down = True`` are also readable by the regions below theirs.
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if not user.has_perm(permission_name(self.model, action)):
            return self.none()
        if user.is_superuser:
            return self
        scope = getattr(user, "scope_path", None)
        if not scope:
            return self.none()
        lookup: str = self.model.region_scope
        condition = models.Q(**{f"{lookup}__startswith": scope})
        if action == "view" and getattr(self.model, "shared_down", False):
            # Records of the regions above (a city-wide rainstorm event) are visible to
            # the counties below, read-only.
            condition |= models.Q(**{f"{lookup}__in": ancestor_paths(scope)})
        scoped = self.filter(condition)
        own: tuple[str, str] | None = getattr(self.model, "own_records", None)
        if own is not None and is_own_records_only(user):
            unit_lookup, user_lookup = own
            unit_id = getattr(user, "unit_id", None)
            return scoped.filter(
                models.Q(**{unit_lookup: unit_id}) | models.Q(**{user_lookup: user.pk})
            )
        return scoped


def restrict_key(user: Any, model: type[models.Model], action: str = "view") -> tuple[Any, ...]:
    """Everything ``restrict(user, action)`` on ``model`` depends on, for callers that keep
    a compiled restricted query (spatial search): equal keys, equal SQL. It names the user
    (so no two users ever share an entry) and every attribute ``restrict`` reads — keep it
    in step with ``restrict`` (tested in core/tests/test_restrict.py)."""
    if user is None or not user.is_authenticated:
        return (model._meta.label, action, None)
    return (
        model._meta.label,
        action,
        user.pk,
        user.is_active,
        user.has_perm(permission_name(model, action)),
        user.is_superuser,
        getattr(user, "scope_path", None),
        getattr(user, "role", None),
        getattr(user, "unit_id", None),
    )


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    """Default manager of every region-scoped model."""


class TimestampedModel(models.Model):
    """Adds created/updated times; every user-edited model has them."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class RegionScopedModel(TimestampedModel):
    """A record owned by a region (行政区划) and a unit (单位).

    Subclasses get ``objects.restrict(user, action)`` scoped on ``region``.
    """

    region = models.ForeignKey(
        "geo.Region",
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("责任单位"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    region_scope: ClassVar[str] = "region__path"
    objects: ClassVar[Any] = RestrictedManager()

    class Meta:
        abstract = True


class ReviewedModel(models.Model):
    """Abstract: a registry record that its steward must re-confirm on a cycle.

    ``review_interval_days`` on the class is the default cycle (data like hazard sources
    are "updated on a schedule", S4); a record may carry its own. The platform lists
    records whose ``next_review_due`` has passed, per owning unit.
    """

    default_review_days: ClassVar[int] = 365

    last_reviewed_at = models.DateTimeField(_("最近核查时间"), null=True, blank=True)
    review_interval_days = models.PositiveIntegerField(
        _("核查周期（天）"), null=True, blank=True, help_text=_("留空则按本类数据的默认周期。")
    )

    class Meta:
        abstract = True

    @property
    def review_days(self) -> int:
        return self.review_interval_days or self.default_review_days

    @property
    def next_review_due(self) -> Any:
        from datetime import timedelta

        base = self.last_reviewed_at or getattr(self, "created_at", None)
        return base + timedelta(days=self.review_days) if base else None
