"""Documented real deployments: what an organisation chose, why, and the sources that say so."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.catalog.models import Technology


class CaseQuerySet(models.QuerySet["Case"]):
    def published(self) -> "CaseQuerySet":
        """The cases the public site, the API and calibration use."""
        return self.filter(status=Case.Status.PUBLISHED)

    def with_sources(self) -> "CaseQuerySet":
        """Cases with their chosen technology and sources, for lists, in a fixed number of queries."""
        return self.select_related("chose").prefetch_related("sources")

    def with_evidence(self) -> "CaseQuerySet":
        """Cases with their chosen technology, sources and answers (each with its source)."""
        answers = models.Prefetch("answers", queryset=CaseAnswer.objects.select_related("source"))
        return self.with_sources().prefetch_related(answers)


class Case(models.Model):
    """One organisation's documented choice of orchestration layer."""

    class Sector(models.TextChoices):
        NATIONAL_LAB = "national_lab", _("National laboratory")
        SUPERCOMPUTING_CENTRE = "supercomputing_centre", _("Supercomputing centre")
        UNIVERSITY = "university", _("University")
        AI_LAB = "ai_lab", _("AI lab")
        CLOUD_PROVIDER = "cloud_provider", _("Cloud or GPU provider")
        ENTERPRISE = "enterprise", _("Enterprise")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200)
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices)
    system = models.CharField(
        _("system"), max_length=200, blank=True, help_text=_("The cluster or platform, if named.")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, help_text=_("The year the sources date the choice.")
    )
    summary = models.TextField(_("summary"), help_text=_("In our own words."))
    chose = models.ForeignKey(
        Technology,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("chose"),
    )
    why = models.TextField(
        _("why"), blank=True, help_text=_("What the sources say about why, in our own words.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [("review_case", _("Can mark a case as reviewed"))]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", kwargs={"slug": self.slug})

    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def answer_values(self) -> dict[str, object]:
        """The recorded answers by question key: what the engine scores (all else is unknown)."""
        return {answer.question_key: answer.value for answer in self.answers.all()}


class CaseSource(models.Model):
    """A page the case relies on, and what it states."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="sources", verbose_name=_("case")
    )
    key = models.SlugField(_("key"), max_length=20, help_text=_("How answers cite it, e.g. s1."))
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("URL"), max_length=500)
    states = models.TextField(_("states"), help_text=_("What this source states."))
    accessed = models.DateField(_("accessed"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "key"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.UniqueConstraint(fields=["case", "key"], name="unique_case_source_key")
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.title}"


class CaseAnswer(models.Model):
    """An answer to a questionnaire question that a cited source states or clearly implies."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="answers", verbose_name=_("case")
    )
    question_key = models.SlugField(_("question key"), max_length=60)
    value = models.JSONField(
        _("value"), help_text=_("A choice key, a list of choice keys or a number.")
    )
    source = models.ForeignKey(
        # A source cited by an answer cannot be deleted on its own; deleting the case removes both.
        CaseSource,
        on_delete=models.RESTRICT,
        related_name="answers",
        verbose_name=_("source"),
    )
    note = models.TextField(_("note"), blank=True, help_text=_("The evidence, paraphrased."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "question_key"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "question_key"], name="unique_case_answer_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_key} = {self.value}"

    def clean(self) -> None:
        if self.source_id and self.case_id and self.source.case_id != self.case_id:
            raise ValidationError({"source": _("Cite one of this case's own sources.")})
