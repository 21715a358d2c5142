from django.db import models
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.catalog.models import RatingClaim
from apps.core.markdown import render_markdown


class FaqCategory(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("FAQ category")
        verbose_name_plural = _("FAQ categories")

    def __str__(self) -> str:
        return self.name


class FaqQuerySet(models.QuerySet["Faq"]):
    def published(self) -> "FaqQuerySet":
        """Questions visitors may see, with their category, in display order."""
        return self.filter(published=True).select_related("category")


class Faq(models.Model):
    category = models.ForeignKey(
        FaqCategory, on_delete=models.PROTECT, related_name="faqs", verbose_name=_("category")
    )
    question = models.CharField(_("question"), max_length=250)
    slug = models.SlugField(_("anchor"), max_length=80, unique=True)
    answer = models.TextField(_("answer"), help_text=_("Markdown; rendered and sanitised."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    published = models.BooleanField(_("published"), default=True)
    history = HistoricalRecords()

    objects = FaqQuerySet.as_manager()

    class Meta:
        ordering = ["category__order", "order", "id"]
        verbose_name = _("FAQ")
        verbose_name_plural = _("FAQs")

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("faq:index") + f"#{self.slug}"

    def answer_html(self) -> SafeString:
        return render_markdown(self.answer)


class FaqClaim(RatingClaim):
    """A matrix cell an answer speaks about, and the rating it states, if any."""

    faq = models.ForeignKey(
        Faq, on_delete=models.CASCADE, related_name="claims", verbose_name=_("FAQ")
    )

    class Meta(RatingClaim.Meta):
        ordering = ["faq", "feature", "technology"]
        constraints = [
            models.UniqueConstraint(
                fields=["faq", "feature", "technology"], name="unique_claim_per_faq"
            )
        ]
