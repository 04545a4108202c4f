"""Create and edit pages of the registries, declared once (one view pair, one template).

A :class:`RecordForm` says which model fields a department officer fills in and which
service writes them (``registry_create``/``registry_update`` or the app's own, so that
history, region derivation and scope checks apply). :func:`record_form_urls` mounts
``new/``, ``<pk>/edit/`` and ``<pk>/review/`` (标记已复核) for it.

The form is a plain ``Form`` built from the model's fields (Chinese labels from the
verbose names, choices as selects, related rows narrowed by ``restrict()``); the model's
own validation runs in the service and its errors come back next to the fields. A placed
record gets ``lon``/``lat`` inputs and a small map to click on. The region is derived
from the point unless chosen; a point outside the user's region is a field error.
Child records (a team's member, a road's water depth) name their ``parent`` field: they
are created from the parent's page and have no region of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.forms.models import fields_for_model, model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yingji.core.models import permission_name
from yingji.core.services import region_in_scope

Service = Callable[..., Any]
POINT = ("lon", "lat", "source_crs")


@dataclass
class RecordForm:
    """Declares the create/edit form of one model.

    ``create(actor=, **fields)`` and ``update(actor=, obj=, **fields)`` are services;
    ``review(actor=, obj=)`` marks the record reviewed (a button on its detail page).
    ``choices`` turns a code field into a select (a code table's ``choices``).
    ``parent`` names the foreign key to the record this one belongs to (a child record is
    created from ``<parent pk>/…/new/`` and its pages return to the parent's detail).
    ``form_class`` replaces the generated form (fields the model does not have, such as
    a renewal's dates); ``fields`` then only lists what is passed to the service.
    """

    fields: Sequence[str]
    create: Service | None
    update: Service | None
    review: Service | None = None
    choices: Mapping[str, Callable[[], list[tuple[str, str]]]] = field(default_factory=dict)
    parent: str = ""
    parent_detail: str = ""  # URL name of the parent's detail page
    form_class: type[forms.Form] | None = None
    title: Any = ""  # what is created ("队员"), defaults to the model's verbose name
    help_text: Any = ""


@dataclass
class FormTarget:
    """A :class:`RecordForm` bound to its model and URL names (``<namespace>:<slug>_…``)."""

    model: Any
    namespace: str
    slug: str
    form: RecordForm
    list_name: str = ""
    after_save: str = ""  # URL name (no arguments) to return to when there is no detail page

    def name(self, suffix: str) -> str:
        return f"{self.namespace}:{self.slug}_{suffix}"

    @property
    def noun(self) -> str:
        return str(self.form.title or self.model._meta.verbose_name)

    @property
    def parent_model(self) -> Any:
        return self.model._meta.get_field(self.form.parent).related_model


# ---------------------------------------------------------------------------------------
# The form
# ---------------------------------------------------------------------------------------


def has_point(model: Any) -> bool:
    return hasattr(model, "set_point")


def has_region(model: Any) -> bool:
    return any(f.name == "region" for f in model._meta.concrete_fields)


class _NoOverflow:
    """A key too large for the database's integers is an invalid choice, not a 500."""

    error_messages: dict[str, Any]

    def clean(self, value: Any) -> Any:
        try:
            return super().clean(value)  # type: ignore[misc]
        except OverflowError:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": ""}
            ) from None


class ChoiceOfRows(_NoOverflow, forms.ModelChoiceField):  # type: ignore[type-arg]
    pass


class ChoiceOfManyRows(_NoOverflow, forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    pass


def _formfield(model_field: models.Field[Any, Any], **kwargs: Any) -> forms.Field:
    widget: dict[str, Any] = {}
    if isinstance(model_field, models.ManyToManyField):
        kwargs.setdefault("form_class", ChoiceOfManyRows)
    elif isinstance(model_field, models.ForeignKey):
        kwargs.setdefault("form_class", ChoiceOfRows)
    if isinstance(model_field, models.DateField) and not isinstance(
        model_field, models.DateTimeField
    ):
        widget = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
    elif isinstance(model_field, models.TextField):
        widget = {"widget": forms.Textarea(attrs={"rows": 3})}
    elif isinstance(model_field, models.DateTimeField):
        widget = {
            "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        }
    # None for a field with no form field: build_form_class leaves it out.
    return cast(forms.Field, model_field.formfield(**widget, **kwargs))


class RecordFormBase(forms.Form):
    """Fields from the model; related rows narrowed to what the user may see."""

    def __init__(self, *args: Any, user: Any, target: FormTarget, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.target = user, target
        for name, form_field in self.fields.items():
            queryset = getattr(form_field, "queryset", None)
            if queryset is None:
                continue
            manager = queryset.model.objects
            if hasattr(manager, "restrict"):
                narrowed = manager.restrict(user, "view")
                if name == "region" and not user.is_superuser:
                    narrowed = narrowed.filter(path__startswith=user.scope_path or "-")
                cast(forms.ModelChoiceField, form_field).queryset = narrowed  # type: ignore[type-arg]


def build_form_class(target: FormTarget) -> type[forms.Form]:
    """The form of ``target``: its declared fields, then region and point for placed records."""
    spec, model = target.form, target.model
    if spec.form_class is not None:
        return spec.form_class
    names = [n for n in spec.fields if n not in POINT and n != "region"]
    generated = fields_for_model(model, fields=names, formfield_callback=_formfield)
    attrs: dict[str, Any] = {name: generated[name] for name in names if generated.get(name)}
    for name, choices in spec.choices.items():
        model_field = model._meta.get_field(name)
        attrs[name] = forms.ChoiceField(
            label=model_field.verbose_name,
            required=not model_field.blank,
            choices=lambda c=choices: [("", "---------"), *c()],
            help_text=model_field.help_text,
        )
    if has_region(model):
        region_field = model._meta.get_field("region")
        attrs["region"] = ChoiceOfRows(
            label=region_field.verbose_name,
            queryset=region_field.related_model.objects.none(),
            required=not has_point(model),
            help_text=gettext_lazy("留空则按坐标自动判定。") if has_point(model) else "",
        )
    if has_point(model):
        attrs["lon"] = forms.FloatField(
            label=model._meta.get_field("lon").verbose_name,
            min_value=-180,
            max_value=180,
            required=False,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "data-lon": ""}),
        )
        attrs["lat"] = forms.FloatField(
            label=model._meta.get_field("lat").verbose_name,
            min_value=-90,
            max_value=90,
            required=False,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "data-lat": ""}),
        )
        crs = model._meta.get_field("source_crs")
        attrs["source_crs"] = forms.ChoiceField(
            label=crs.verbose_name, choices=crs.choices, initial=crs.default, required=False
        )
    return type(f"{model.__name__}RecordForm", (RecordFormBase,), attrs)


def _instantiate(
    target: FormTarget, request: HttpRequest, data: Any, initial: dict[str, Any] | None
) -> forms.Form:
    form_class = build_form_class(target)
    if issubclass(form_class, RecordFormBase):
        return form_class(data, initial=initial, user=request.user, target=target)
    return form_class(data, initial=initial)


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ``ValidationError`` as form errors: by field where the form has it."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.message_dict.items():
        if name in form.fields:
            form.add_error(name, errors)
        elif name in ("lat", "h3_cell") and "lon" in form.fields:
            form.add_error("lon", errors)
        elif name == NON_FIELD_ERRORS:
            form.add_error(None, errors)
        else:  # a field the form does not show: say which
            form.add_error(None, [f"{label_of(form, name)}：{e}" for e in errors])


def label_of(form: forms.Form, name: str) -> str:
    model = getattr(getattr(form, "target", None), "model", None)
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a name that is not a field (__all__, a computed one)
        return name


def _resolve_region(form: forms.Form, target: FormTarget, user: Any, obj: Any) -> Any:
    """The region the record goes to: chosen, else the point's; ``None`` with an error added.

    A chosen region outside the user's is not offered by the select. A point (new or moved)
    in another county is an error on the coordinates even when a region was chosen; a point
    outside the city is one when no region was chosen.
    """
    data = form.cleaned_data
    chosen = data.get("region")
    lon, lat = data.get("lon"), data.get("lat")
    if (lon is None) != (lat is None):
        form.add_error("lat" if lat is None else "lon", _("经度和纬度要同时填写。"))
        return None
    moved = obj is None or any(name in form.changed_data for name in POINT)
    if obj is not None and "region" not in form.changed_data:
        # Editing without choosing another region: a moved point decides, else it stays.
        chosen = None
        if not moved:
            return obj.region
    point_region = None
    if moved and lon is not None and lat is not None:
        from yingji.core.registry import region_from_point
        from yingji.geo.coords import convert

        crs = data.get("source_crs") or "wgs84"
        point_region = region_from_point(*convert(lon, lat, crs, "wgs84"))
        if point_region is not None and not region_in_scope(user, point_region):
            form.add_error(
                "lon",
                _("该位置在%(region)s，不在您的辖区内，不能登记。") % {"region": point_region.name},
            )
            return None
        if point_region is None and chosen is None:
            form.add_error("lon", _("该位置不在本市范围内，请在地图上重新点选，或选择所属区划。"))
            return None
    if chosen is not None:
        return chosen
    if point_region is not None:
        return point_region
    if obj is not None:
        return obj.region
    form.add_error("region", _("请选择所属区划，或在地图上点选位置。"))
    return None


def _service_fields(form: forms.Form, target: FormTarget, obj: Any) -> dict[str, Any]:
    """What goes to the service: every declared field on create; what changed on edit."""
    data = form.cleaned_data
    names = [n for n in form.fields if n not in POINT and n != "region"]
    if obj is not None:
        names = [n for n in names if n in form.changed_data]
    fields = {name: data[name] for name in names if name in data}
    if has_point(target.model):
        moved = obj is None or any(n in form.changed_data for n in POINT)
        if moved:
            fields.update({n: data.get(n) for n in ("lon", "lat")})
            fields["source_crs"] = data.get("source_crs") or "wgs84"
    return fields


def _save(request: HttpRequest, target: FormTarget, form: forms.Form, obj: Any, parent: Any) -> Any:
    """Run the service; on refusal, add the errors to ``form`` and return None."""
    spec, user = target.form, request.user
    fields = _service_fields(form, target, obj)
    if has_region(target.model):
        region = _resolve_region(form, target, user, obj)
        if region is None:
            return None
        if obj is None or region != obj.region:
            fields["region"] = region
    if parent is not None:
        fields[spec.parent] = parent
    try:
        if obj is None:
            assert spec.create is not None
            return spec.create(actor=user, **fields)
        assert spec.update is not None
        return spec.update(actor=user, obj=obj, **fields)
    except ValidationError as exc:
        apply_errors(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("您没有这项权限。"))
    return None


# ---------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------


def can_add(user: Any, model: Any) -> bool:
    return bool(user.is_authenticated and user.has_perm(permission_name(model, "add")))


def _detail_url(target: FormTarget, obj: Any) -> str:
    if target.after_save:
        return reverse(target.after_save)
    if target.form.parent:
        parent_id = getattr(obj, f"{target.form.parent}_id")
        return reverse(target.form.parent_detail, args=[parent_id])
    return reverse(target.name("detail"), args=[obj.pk])


def _point_of(obj: Any) -> dict[str, Any] | None:
    if obj is not None and getattr(obj, "lon", None) is not None and obj.lat is not None:
        return {"type": "Point", "coordinates": [obj.lon, obj.lat]}
    return None


def _render(
    request: HttpRequest,
    target: FormTarget,
    form: forms.Form,
    obj: Any,
    parent: Any,
    status: int = 200,
) -> HttpResponse:
    from yingji.geo.views import map_page_config

    if obj is not None:
        heading = _("编辑%(what)s：%(name)s") % {"what": target.noun, "name": obj}
        cancel = _detail_url(target, obj)
    else:
        heading = _("新建%(what)s") % {"what": target.noun}
        if parent is not None:
            cancel = reverse(target.form.parent_detail, args=[parent.pk])
        else:
            cancel = reverse(target.list_name or target.name("list"))
    placed = "lon" in form.fields
    point_names = ("lon", "lat", "source_crs", "region", "address")
    return render(
        request,
        "registry/form.html",
        {
            "target": target,
            "form": form,
            "object": obj,
            "parent": parent,
            "heading": heading,
            "cancel_url": cancel,
            "placed": placed,
            "main_fields": [f for f in form if f.name not in point_names],
            "place_fields": [form[n] for n in point_names if n in form.fields],
            "map_config": map_page_config() if placed else None,
            "initial_point": _point_of(obj),
        },
        status=status,
    )


def create_view(target: FormTarget) -> Callable[..., HttpResponse]:
    @login_required
    def view(request: HttpRequest, parent_pk: int | None = None) -> HttpResponse:
        parent = None
        if target.form.parent:
            parent = get_object_or_404(
                target.parent_model.objects.restrict(request.user, "change"), pk=parent_pk
            )
        if not can_add(request.user, target.model):
            raise PermissionDenied
        if request.method == "POST":
            form = _instantiate(target, request, request.POST, None)
            if form.is_valid():
                obj = _save(request, target, form, None, parent)
                if obj is not None:
                    messages.success(request, _("%(what)s已登记。") % {"what": target.noun})
                    return redirect(_detail_url(target, obj))
            return _render(request, target, form, None, parent, status=200)
        initial = dict(request.GET.items()) if request.GET else None
        return _render(request, target, _instantiate(target, request, None, initial), None, parent)

    return view


def edit_view(target: FormTarget) -> Callable[..., HttpResponse]:
    @login_required
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_object_or_404(target.model.objects.restrict(request.user, "change"), pk=pk)
        parent = getattr(obj, target.form.parent) if target.form.parent else None
        names = list(build_form_class(target).base_fields)
        initial = model_to_dict(obj, fields=[n for n in names if n not in POINT])
        if has_point(target.model):
            initial.update(lon=obj.lon, lat=obj.lat, source_crs="wgs84")
        if request.method == "POST":
            form = _instantiate(target, request, request.POST, initial)
            if form.is_valid():
                saved = _save(request, target, form, obj, parent)
                if saved is not None:
                    messages.success(request, _("%(what)s已保存。") % {"what": target.noun})
                    return redirect(_detail_url(target, saved))
                obj.refresh_from_db()  # the service may have set attributes before refusing
            return _render(request, target, form, obj, parent)
        return _render(request, target, _instantiate(target, request, None, initial), obj, parent)

    return view


def review_view(target: FormTarget) -> Callable[..., HttpResponse]:
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_object_or_404(target.model.objects.restrict(request.user, "change"), pk=pk)
        assert target.form.review is not None
        target.form.review(actor=request.user, obj=obj)
        messages.success(request, _("已标记为复核。"))
        return redirect(_detail_url(target, obj))

    return view


def record_form_urls(
    target: FormTarget, prefix: str = "", parent_prefix: str = ""
) -> list[URLPattern]:
    """``new/``, ``<pk>/edit/`` (and ``<pk>/review/``) under ``prefix``.

    A child record is created under its parent, ``<parent_prefix><parent_pk>/<prefix>new/``
    (``teams/12/members/new/``), and edited at ``<parent_prefix><prefix><pk>/edit/``.
    """
    spec, slug = target.form, target.slug
    base = f"{parent_prefix}{prefix}"
    patterns: list[URLPattern] = []
    if spec.create is not None:
        route = f"{parent_prefix}<int:parent_pk>/{prefix}new/" if spec.parent else f"{base}new/"
        patterns.append(path(route, create_view(target), name=f"{slug}_create"))
    if spec.update is not None:
        patterns.append(path(f"{base}<int:pk>/edit/", edit_view(target), name=f"{slug}_edit"))
    if spec.review is not None:
        patterns.append(path(f"{base}<int:pk>/review/", review_view(target), name=f"{slug}_review"))
    return patterns


def record_actions(request: HttpRequest, target: FormTarget, obj: Any) -> dict[str, Any]:
    """Detail-page buttons (编辑, 标记已复核) for those who may change the record."""
    writable = (
        target.form.update is not None or target.form.review is not None
    ) and target.model.objects.restrict(request.user, "change").filter(pk=obj.pk).exists()
    if not writable:
        return {"edit_url": "", "review_url": ""}
    return {
        "edit_url": reverse(target.name("edit"), args=[obj.pk]) if target.form.update else "",
        "review_url": reverse(target.name("review"), args=[obj.pk]) if target.form.review else "",
    }


def create_url(request: HttpRequest, target: FormTarget, parent: Any = None) -> str:
    """The 新建 button's address, or "" for a user who may not add (or change the parent)."""
    if target.form.create is None or not can_add(request.user, target.model):
        return ""
    if parent is not None:
        if not type(parent).objects.restrict(request.user, "change").filter(pk=parent.pk).exists():
            return ""
        return reverse(target.name("create"), args=[parent.pk])
    return reverse(target.name("create"))
