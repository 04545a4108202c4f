"""The expert pool (专家库, S12): experts by field, with their terms of office."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yingji.core.models import RestrictedManager, TimestampedModel
from yingji.core.registry import RegistryRecord

from .choices import Availability, ExpertCode, Gender, TermStatus, Title


class Expert(RegistryRecord):
    """One expert of the city's pool (应急专家): who, what field, how to reach them.

    ``expertise`` are incident types at category or sub-category level (``11000``
    自然灾害, ``11A00`` 水旱灾害 …): an expert for ``11A00`` is found when searching
    ``11A02`` 内涝. Experts are not placed on the map (their unit's address is text).
    """

    #: Columns of the Excel export (pages and API) and of the census template.
    export_fields: ClassVar[tuple[str, ...]] = (
        "name",
        "gender",
        "title",
        "position",
        "employer",
        "code",
        "specialty",
        "phone",
        "email",
        "availability",
        "region",
        "owner_unit",
        "last_reviewed_at",
    )

    name = models.CharField(_("姓名"), max_length=64)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, blank=True)
    title = models.CharField(_("职称"), max_length=16, choices=Title.choices, default=Title.NONE)
    position = models.CharField(_("职务"), max_length=64, blank=True)
    employer = models.CharField(_("工作单位"), max_length=128, blank=True)
    code = models.CharField(
        _("专家类别代码"), max_length=5, choices=ExpertCode.choices, default=ExpertCode.GENERAL
    )
    expertise = models.ManyToManyField(
        "incidents.IncidentType",
        verbose_name=_("专业领域"),
        related_name="+",
        blank=True,
        limit_choices_to={"depth__in": [1, 2]},
        help_text=_("事件大类或亚类，如 11000 自然灾害、11A00 水旱灾害。"),
    )
    specialty = models.CharField(_("细分专长"), max_length=255, blank=True)
    phone = models.CharField(_("手机"), max_length=32, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("通讯地址"), max_length=255, blank=True)
    availability = models.CharField(
        _("可联系状态"),
        max_length=16,
        choices=Availability.choices,
        default=Availability.AVAILABLE,
    )
    note = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("应急专家")
        verbose_name_plural = _("应急专家")
        ordering = ["region__path", "name"]
        indexes = [models.Index(fields=["code", "availability"], name="experts_code_avail")]

    def __str__(self) -> str:
        return self.name

    def current_term(self) -> ExpertTerm | None:
        """The latest serving term (by end date), expired or not."""
        return self.terms.filter(status=TermStatus.SERVING).order_by("-term_end", "-pk").first()


class ExpertTerm(TimestampedModel):
    """One term of office (聘期) of an expert, from its appointing document.

    Terms are never edited once recorded: a renewal (续聘) is a new term pointing at the
    one it renews (``renews``). A term is expired when its ``term_end`` has passed.
    """

    expert = models.ForeignKey(
        Expert, verbose_name=_("专家"), on_delete=models.CASCADE, related_name="terms"
    )
    term_start = models.DateField(_("聘期开始"))
    term_end = models.DateField(_("聘期结束"))
    document_no = models.CharField(_("聘任文号"), max_length=64, blank=True)
    status = models.CharField(
        _("聘任状态"), max_length=16, choices=TermStatus.choices, default=TermStatus.SERVING
    )
    renews = models.OneToOneField(
        "self",
        verbose_name=_("续聘自"),
        on_delete=models.PROTECT,
        related_name="renewed_by",
        null=True,
        blank=True,
    )

    history = HistoricalRecords()

    region_scope: ClassVar[str] = "expert__region__path"
    objects: ClassVar[Any] = RestrictedManager()

    class Meta:
        verbose_name = _("专家聘期")
        verbose_name_plural = _("专家聘期")
        ordering = ["expert", "-term_end"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_end__gte=models.F("term_start")),
                name="experts_term_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert} {self.term_start:%Y-%m-%d}—{self.term_end:%Y-%m-%d}"

    @property
    def region(self) -> Any:
        return self.expert.region

    @property
    def is_renewal(self) -> bool:
        return self.renews_id is not None

    def is_expired(self, today: date) -> bool:
        return self.term_end < today

    def clean(self) -> None:
        if self.term_start and self.term_end and self.term_end < self.term_start:
            raise ValidationError({"term_end": _("聘期结束不能早于开始。")})
