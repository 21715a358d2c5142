"""A prospect's assessment: answers, contact, scoring result, PDF report and share links."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Technology
from apps.core.tokens import token_digest
from apps.questionnaire.models import ScoringModel

# A worker that has held a row in "scoring" this long has died or hung: the sweep takes it back.
SCORING_STUCK_AFTER = timedelta(minutes=5)


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def submitted(self) -> "AssessmentQuerySet":
        """Assessments past the draft stage."""
        return self.exclude(status=Assessment.Status.DRAFT)

    def stuck_pending(self) -> "AssessmentQuerySet":
        """Pending longer than the re-queue delay: their task was lost or never queued."""
        cutoff = timezone.now() - settings.ASSESSMENT_REQUEUE_AFTER
        return self.filter(status=Assessment.Status.PENDING, submitted_at__lt=cutoff)

    def stuck_scoring(self) -> "AssessmentQuerySet":
        """Held in "scoring" past the time a worker needs: the worker died or hung."""
        cutoff = timezone.now() - SCORING_STUCK_AFTER
        return self.filter(status=Assessment.Status.SCORING, updated_at__lt=cutoff)

    def stale_drafts(self) -> "AssessmentQuerySet":
        """Drafts nobody has touched within the retention period."""
        cutoff = timezone.now() - settings.DRAFT_RETENTION
        return self.filter(status=Assessment.Status.DRAFT, updated_at__lt=cutoff)

    def for_token(self, raw: str) -> "AssessmentQuerySet":
        """The assessment (at most one) a private token opens; empty for a malformed token."""
        digest = token_digest(raw)
        return self.none() if digest is None else self.filter(token_hash=digest)

    def for_leads(self) -> "AssessmentQuerySet":
        """Submitted assessments with what the leads table shows, in a fixed number of queries."""
        return self.submitted().select_related("recommendation", "scoring_model")


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Pending")
        SCORING = "scoring", _("Scoring")
        SCORED = "scored", _("Scored")
        FAILED = "failed", _("Failed")

    class ReportStatus(models.TextChoices):
        NONE = "none", _("Not rendered")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    # The private token is shown to the prospect once (URL, e-mail) and stored only hashed.
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    current_step = models.PositiveSmallIntegerField(_("current step"), default=0)
    contact_name = models.CharField(_("name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    company = models.CharField(_("company"), max_length=160, blank=True)
    role = models.CharField(_("role"), max_length=120, blank=True)
    consent = models.BooleanField(_("consent to be contacted"), default=False)

    scoring_model = models.ForeignKey(
        ScoringModel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("scored with"),
    )
    result = models.JSONField(_("result"), null=True, blank=True)
    previous_result = models.JSONField(_("previous result"), null=True, blank=True)
    previous_scoring_model = models.ForeignKey(
        ScoringModel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("previously scored with"),
    )
    # Copied out of ``result`` so the leads table can filter and sort in SQL.
    recommendation = models.ForeignKey(
        Technology,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommended_in",
        verbose_name=_("recommendation"),
    )
    fit = models.FloatField(_("fit"), null=True, blank=True)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("scoring attempts"), default=0)

    report_pdf = models.FileField(_("PDF report"), upload_to="reports/%Y/%m/", blank=True)
    report_key = models.CharField(_("report cache key"), max_length=64, blank=True)
    report_status = models.CharField(
        _("report status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.NONE
    )

    created_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, db_index=True)
    scored_at = models.DateTimeField(_("scored"), null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        who = self.company or self.contact_name or _("anonymous")
        return f"#{self.pk} {who}"

    def is_scored(self) -> bool:
        return self.status == self.Status.SCORED

    def is_final(self) -> bool:
        return self.status in {self.Status.SCORED, self.Status.FAILED}


class ShareLinkQuerySet(models.QuerySet["ShareLink"]):
    def active(self) -> "ShareLinkQuerySet":
        """Links that still open: not revoked and not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ShareLink(models.Model):
    """A read-only link to an assessment's report, for someone the prospect or sales chose."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="share_links",
        verbose_name=_("assessment"),
    )
    label = models.CharField(_("recipient"), max_length=120)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("share link")
        verbose_name_plural = _("share links")

    def __str__(self) -> str:
        return self.label

    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ShareLinkView(models.Model):
    """One opening of a share link. No IP address is kept."""

    link = models.ForeignKey(
        ShareLink, on_delete=models.CASCADE, related_name="views", verbose_name=_("share link")
    )
    viewed_at = models.DateTimeField(_("viewed"), auto_now_add=True)
    browser_family = models.CharField(_("browser"), max_length=64, blank=True)
    is_pdf = models.BooleanField(_("PDF download"), default=False)

    class Meta:
        ordering = ["-viewed_at"]
        verbose_name = _("share link view")
        verbose_name_plural = _("share link views")

    def __str__(self) -> str:
        return f"{self.link} @ {self.viewed_at:%Y-%m-%d %H:%M}"
