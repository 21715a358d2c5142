"""The questionnaire engineers edit, and the frozen scoring-model versions the site scores with."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.catalog.models import Feature, Technology

UNKNOWN = "unknown"  # The answer value meaning "don't know".


class Questionnaire(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    intro = models.TextField(_("introduction"), blank=True, help_text=_("Markdown."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="sections",
        verbose_name=_("questionnaire"),
    )
    title = models.CharField(_("title"), max_length=120)
    intro = models.TextField(_("introduction"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["questionnaire", "order", "id"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("One choice")
        MULTIPLE = "multiple", _("Several choices")
        NUMBER = "number", _("Number (scored by bands)")
        SCALE = "scale", _("Scale 1–5")

    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="questions", verbose_name=_("section")
    )
    key = models.SlugField(
        _("key"), max_length=60, unique=True, help_text=_("Stable identifier used by the API.")
    )
    text = models.CharField(_("question"), max_length=300)
    help_text = models.TextField(
        _("help text"), blank=True, help_text=_("Markdown; links allowed.")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    required = models.BooleanField(_("required"), default=True)
    importance = models.DecimalField(
        _("importance"),
        max_digits=4,
        decimal_places=2,
        default=1,
        help_text=_("Multiplies the points of every answer to this question."),
    )
    allow_unknown = models.BooleanField(_('offer "don\'t know"'), default=False)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    min_value = models.FloatField(_("minimum"), null=True, blank=True)
    max_value = models.FloatField(_("maximum"), null=True, blank=True)
    condition_question = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dependants",
        verbose_name=_("show only if question"),
    )
    condition_values = models.JSONField(
        _("has one of the answers"),
        default=list,
        blank=True,
        help_text=_('Choice keys of that question, e.g. ["mpi", "mixed"].'),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["section__order", "order", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    """An answer option. For number questions a choice is a band: ``lower <= value < upper``."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    key = models.SlugField(_("key"), max_length=60)
    label = models.CharField(_("label"), max_length=200)
    lower = models.FloatField(_("band from"), null=True, blank=True)
    upper = models.FloatField(_("band below"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["question", "order", "id"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "key"], name="unique_choice_key_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question.key}: {self.label}"


class Weight(models.Model):
    """Points a choice gives one recommendation option, and why."""

    choice = models.ForeignKey(
        Choice, on_delete=models.CASCADE, related_name="weights", verbose_name=_("choice")
    )
    option = models.ForeignKey(
        Technology,
        on_delete=models.CASCADE,
        related_name="weights",
        limit_choices_to={"is_option": True},
        verbose_name=_("option"),
    )
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2)
    rationale = models.TextField(_("rationale"))
    feature = models.ForeignKey(
        Feature,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="weights",
        verbose_name=_("matrix row"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["choice", "option__order"]
        verbose_name = _("weight")
        verbose_name_plural = _("weights")
        constraints = [
            models.UniqueConstraint(fields=["choice", "option"], name="unique_weight_per_option")
        ]

    def __str__(self) -> str:
        return f"{self.choice} → {self.option}: {self.points}"


class RiskRule(models.Model):
    """A risk raised when every listed question has one of the listed choices as its answer."""

    class Level(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="risk_rules",
        verbose_name=_("questionnaire"),
    )
    option = models.ForeignKey(
        Technology,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="risk_rules",
        limit_choices_to={"is_option": True},
        verbose_name=_("when recommending"),
        help_text=_("Leave empty to raise the risk whatever is recommended."),
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    improvement = models.TextField(_("improvement note"))
    choices = models.ManyToManyField(Choice, related_name="risk_rules", verbose_name=_("answers"))
    feature = models.ForeignKey(
        Feature,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risk_rules",
        verbose_name=_("matrix row"),
    )
    history = HistoricalRecords(m2m_fields=[choices])

    class Meta:
        ordering = ["questionnaire", "level", "id"]
        verbose_name = _("risk rule")
        verbose_name_plural = _("risk rules")

    def __str__(self) -> str:
        return self.title


class ScoringModelQuerySet(models.QuerySet["ScoringModel"]):
    def latest_published(self) -> "ScoringModel | None":
        """The version the public site scores with."""
        return self.order_by("-version").first()


class ScoringModel(models.Model):
    """An immutable, numbered snapshot of a questionnaire with its weights and risk rules."""

    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("questionnaire"),
    )
    version = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("snapshot"))
    checksum = models.CharField(_("checksum"), max_length=64)
    change_summary = models.TextField(_("change summary"), blank=True)
    # What the publish step's checks measured on this version when it was published (e.g. the
    # case library's calibration: top1, top2, cases, the cases whose first place changed), and
    # the editor's reason for publishing although a check found it worse than its predecessor.
    calibration = models.JSONField(_("calibration"), null=True, blank=True)
    calibration_note = models.TextField(_("reason despite a lower calibration"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published"), auto_now_add=True)

    objects = ScoringModelQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("scoring model version")
        verbose_name_plural = _("scoring model versions")
        constraints = [models.UniqueConstraint(fields=["version"], name="unique_scoring_version")]

    def __str__(self) -> str:
        return f"v{self.version}"
