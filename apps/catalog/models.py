"""The knowledge base: technologies, the comparison matrix, strengths, weaknesses, scenarios."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

STALE_AFTER = timedelta(days=365)
NOT_ASSESSED_LABEL = _("Not assessed")


class Rating(models.IntegerChoices):
    """One ordinal scale for every matrix cell, best first.

    A cell nobody has assessed has no rating at all (null), shown as "Not assessed": it is an
    unknown, not a low mark, and never takes part in comparisons of ratings.
    """

    __empty__ = NOT_ASSESSED_LABEL

    NATIVE = 4, _("Native")
    STRONG = 3, _("Strong")
    ADDON = 2, _("With add-ons")
    WEAK = 1, _("Weak")
    UNSUPPORTED = 0, _("Unsupported")

    @property
    def css_class(self) -> str:
        return f"rating-{self.name.lower()}"

    @property
    def colour(self) -> str:
        return RATING_COLOURS[self.value]

    @property
    def description(self) -> str:
        return str(RATING_DESCRIPTIONS[self.value])


# Colours chosen for WCAG AA contrast against white text (and reused by charts and the PDF).
RATING_COLOURS = {4: "#1b5e20", 3: "#2e7d32", 2: "#8a5a00", 1: "#b23c17", 0: "#5f6368"}
NOT_ASSESSED_COLOUR = "#495057"
NOT_ASSESSED_CSS_CLASS = "rating-not-assessed"
NOT_ASSESSED_DESCRIPTION = _("Not assessed: no source we could check states it either way.")
RATING_DESCRIPTIONS = {
    4: _("Built in (no add-on needed) and proven in production."),
    3: _("Well supported with standard, mature components."),
    2: _("Possible with add-ons or extra configuration."),
    1: _("Possible, but with real limits or significant effort."),
    0: _("Not supported or not a design goal."),
}


class TechnologyQuerySet(models.QuerySet["Technology"]):
    def options(self) -> "TechnologyQuerySet":
        """The technologies the questionnaire can recommend, in display order."""
        return self.filter(is_option=True)

    def for_slugs(self, slugs: list[str]) -> "TechnologyQuerySet":
        """The technologies with these slugs, in display order; unknown slugs are ignored."""
        return self.filter(slug__in=slugs)

    def get_by_natural_key(self, slug: str) -> "Technology":
        return self.get(slug=slug)


class Technology(models.Model):
    class Kind(models.TextChoices):
        SCHEDULER = "scheduler", _("Batch scheduler")
        ORCHESTRATOR = "orchestrator", _("Container orchestrator")
        BRIDGE = "bridge", _("Bridge")
        HYBRID = "hybrid", _("Hybrid pattern")

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    tagline = models.CharField(_("tagline"), max_length=200)
    description = models.TextField(_("description"), help_text=_("Markdown."))
    homepage = models.URLField(_("homepage"), blank=True)
    documentation_urls = models.TextField(
        _("documentation URLs"),
        blank=True,
        help_text=_(
            "Where this technology's own documentation and code live: one URL prefix a line "
            "(e.g. https://slurm.schedmd.com/). The content check reports a cell of another "
            "technology that cites a page under one of them and none of its own."
        ),
    )
    first_release_year = models.PositiveSmallIntegerField(_("first release"), null=True, blank=True)
    licence = models.CharField(_("licence"), max_length=100, blank=True)
    maintainer = models.CharField(_("maintainer"), max_length=200, blank=True)
    is_option = models.BooleanField(
        _("recommendation option"),
        default=False,
        help_text=_("The questionnaire can recommend this technology."),
    )
    # The colour reaches style attributes and the PDF's CSS: nothing but #rrggbb may pass.
    colour = models.CharField(
        _("chart colour"),
        max_length=7,
        default="#4c5b70",
        help_text=_("Hex colour, e.g. #1f6feb."),
        validators=[
            RegexValidator(r"\A#[0-9a-fA-F]{6}\Z", _("Enter a colour as #rrggbb, e.g. #1f6feb."))
        ],
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    objects = TechnologyQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("technology")
        verbose_name_plural = _("technologies")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:technology", kwargs={"slug": self.slug})

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    def documentation_prefixes(self) -> list[str]:
        """The URL prefixes of this technology's own documentation, normalised for matching."""
        lines = [*self.documentation_urls.splitlines(), self.homepage]
        return [normalise_url_prefix(line) for line in lines if line.strip()]


def normalise_url_prefix(url: str) -> str:
    """``url`` lower-cased, without scheme, ``www.``, query or fragment, for prefix matching.

    Case is ignored: GitHub organisations are case-insensitive, and two technologies never own
    prefixes that differ only in case.
    """
    rest = url.strip().lower().split("://", 1)[-1].split("#", 1)[0].split("?", 1)[0]
    host, _slash, path = rest.partition("/")
    return f"{host.removeprefix('www.')}/{path}"


def url_is_under(url: str, prefix: str) -> bool:
    """True when normalised ``url`` is the page ``prefix`` names or lies below it."""
    return url == prefix or url.startswith(prefix.rstrip("/") + "/")


class CategoryManager(models.Manager["Category"]):
    def get_by_natural_key(self, slug: str) -> "Category":
        return self.get(slug=slug)


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    objects = CategoryManager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class FeatureQuerySet(models.QuerySet["Feature"]):
    def for_matrix(self, technologies: list["Technology"] | None = None) -> "FeatureQuerySet":
        """Rows of the matrix with their category, cells and sources, in a fixed number of queries.

        With ``technologies`` only those columns' cells are fetched.
        """
        cells = MatrixCell.objects.select_related("technology").prefetch_related("sources")
        if technologies is not None:
            cells = cells.filter(technology__in=technologies)
        return self.select_related("category").prefetch_related(
            models.Prefetch("cells", queryset=cells.order_by("technology__order"))
        )

    def get_by_natural_key(self, slug: str) -> "Feature":
        return self.get(slug=slug)


class Feature(models.Model):
    """A row of the comparison matrix."""

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="features", verbose_name=_("category")
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    why_it_matters = models.TextField(_("why it matters"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    objects = FeatureQuerySet.as_manager()

    class Meta:
        ordering = ["category__order", "order", "name"]
        verbose_name = _("feature")
        verbose_name_plural = _("features")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:compare") + f"#feature-{self.slug}"

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class MatrixCellQuerySet(models.QuerySet["MatrixCell"]):
    def stale(self) -> "MatrixCellQuerySet":
        """Cells last verified more than twelve months ago (never-verified cells are not stale)."""
        return self.filter(last_verified__lt=timezone.localdate() - STALE_AFTER)

    def never_verified(self) -> "MatrixCellQuerySet":
        """Cells whose check is not known."""
        return self.filter(last_verified__isnull=True)

    def get_by_natural_key(self, feature_slug: str, technology_slug: str) -> "MatrixCell":
        return self.get(feature__slug=feature_slug, technology__slug=technology_slug)


class MatrixCell(models.Model):
    """What one technology offers for one feature."""

    feature = models.ForeignKey(
        Feature, on_delete=models.CASCADE, related_name="cells", verbose_name=_("feature")
    )
    technology = models.ForeignKey(
        Technology, on_delete=models.CASCADE, related_name="cells", verbose_name=_("technology")
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        choices=Rating.choices,
        null=True,
        blank=True,
        help_text=_("Empty means not assessed. Native means built in, without add-ons."),
    )
    summary = models.CharField(_("short text"), max_length=200, help_text=_("Shown in the table."))
    detail = models.TextField(_("detail"), blank=True, help_text=_("Markdown."))
    # A verification is a record: who checked the cell, on which day, against which sources.
    # Empty when the check is not known (never a made-up date).
    last_verified = models.DateField(_("verified on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_sources: "models.ManyToManyField[Source, Any]" = models.ManyToManyField(
        "Source",
        blank=True,
        related_name="verifications",
        verbose_name=_("verified against"),
        help_text=_("The cell's sources the last check was made against."),
    )
    history = HistoricalRecords(m2m_fields=[verified_sources])

    objects = MatrixCellQuerySet.as_manager()

    class Meta:
        ordering = ["feature", "technology__order"]
        verbose_name = _("matrix cell")
        verbose_name_plural = _("matrix cells")
        constraints = [
            models.UniqueConstraint(
                fields=["feature", "technology"], name="unique_cell_per_feature"
            )
        ]

    def __str__(self) -> str:
        return f"{self.feature} × {self.technology}"

    def natural_key(self) -> tuple[str, str]:
        return (self.feature.slug, self.technology.slug)

    natural_key.dependencies = ["catalog.feature", "catalog.technology"]  # type: ignore[attr-defined]

    @property
    def rating_choice(self) -> Rating | None:
        """The rating, or None when the cell is not assessed."""
        return None if self.rating is None else Rating(self.rating)

    @property
    def is_assessed(self) -> bool:
        return self.rating is not None

    @property
    def rating_label(self) -> str:
        choice = self.rating_choice
        return str(NOT_ASSESSED_LABEL if choice is None else choice.label)

    @property
    def rating_css_class(self) -> str:
        choice = self.rating_choice
        return NOT_ASSESSED_CSS_CLASS if choice is None else choice.css_class

    @property
    def rating_colour(self) -> str:
        choice = self.rating_choice
        return NOT_ASSESSED_COLOUR if choice is None else choice.colour

    def is_stale(self) -> bool:
        """Verified, but more than twelve months ago (a cell never verified is not stale)."""
        return (
            self.last_verified is not None
            and self.last_verified < timezone.localdate() - STALE_AFTER
        )


class Source(models.Model):
    """A link backing a matrix cell."""

    cell = models.ForeignKey(
        MatrixCell, on_delete=models.CASCADE, related_name="sources", verbose_name=_("cell")
    )
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("URL"), max_length=500)
    about_other_product = models.BooleanField(
        _("about another product, on purpose"),
        default=False,
        help_text=_(
            "Tick when this page documents another technology and the cell cites it for what "
            "it says about that technology (a comparison); the content check then accepts it."
        ),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.title


class TechnologyPoint(models.Model):
    """A strength or a weakness of a technology."""

    class Kind(models.TextChoices):
        STRENGTH = "strength", _("Strength")
        WEAKNESS = "weakness", _("Weakness")

    technology = models.ForeignKey(
        Technology, on_delete=models.CASCADE, related_name="points", verbose_name=_("technology")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=160)
    body = models.TextField(_("text"), help_text=_("Markdown."))
    feature = models.ForeignKey(
        Feature,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="points",
        verbose_name=_("related feature"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["technology", "kind", "order", "id"]
        verbose_name = _("strength or weakness")
        verbose_name_plural = _("strengths and weaknesses")

    def __str__(self) -> str:
        return self.title


class Scenario(models.Model):
    """A "when to choose" situation and the technology that fits it."""

    technology = models.ForeignKey(
        Technology, on_delete=models.CASCADE, related_name="scenarios", verbose_name=_("technology")
    )
    title = models.CharField(_("title"), max_length=160)
    condition = models.CharField(
        _("condition"), max_length=300, help_text=_('Completes "Choose this if …".')
    )
    explanation = models.TextField(_("explanation"), help_text=_("Markdown."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["technology", "order", "id"]
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")

    def __str__(self) -> str:
        return self.title


class RatingClaim(models.Model):
    """What a text (a scenario, an FAQ) says about one matrix cell: the feature it speaks of,
    for which technology, and the rating it states, if it states one.

    The content check compares a stated rating with the cell's: a text may not say more, or
    less, than the matrix it sits beside.
    """

    feature = models.ForeignKey(
        Feature, on_delete=models.CASCADE, related_name="+", verbose_name=_("feature")
    )
    technology = models.ForeignKey(
        Technology, on_delete=models.CASCADE, related_name="+", verbose_name=_("technology")
    )
    rating = models.PositiveSmallIntegerField(
        _("rating it states"),
        # Empty here means the text states no rating (not "not assessed"): no empty label.
        choices=[(value, label) for value, label in Rating.choices if value is not None],
        null=True,
        blank=True,
        help_text=_(
            "The rating the text states for this technology and feature; empty when it only "
            "speaks of the feature without stating how well the technology does."
        ),
    )

    class Meta:
        abstract = True
        verbose_name = _("claim about a matrix cell")
        verbose_name_plural = _("claims about matrix cells")

    def __str__(self) -> str:
        return f"{self.feature} × {self.technology}"

    @property
    def rating_label(self) -> str:
        if self.rating is None:
            return str(_("No rating stated"))
        if self.rating not in Rating.values:
            return str(self.rating)
        return str(Rating(self.rating).label)


class ScenarioClaim(RatingClaim):
    """A feature a scenario speaks about (for its own or another technology)."""

    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, related_name="claims", verbose_name=_("scenario")
    )

    class Meta(RatingClaim.Meta):
        ordering = ["scenario", "feature", "technology"]
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "feature", "technology"], name="unique_claim_per_scenario"
            )
        ]
