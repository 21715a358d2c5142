"""A team assessment: an owner's scored assessment and the colleagues who answer beside it.

Each member answers on an assessment of their own (``Assessment``, started blank on the
owner's model version), so the wizard, resume link and "don't know" answers are the
assessments app's. The team adds who answered, in which role, and how their answers combine.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.assessments.models import Assessment
from apps.core.tokens import token_digest
from apps.questionnaire.models import ScoringModel


class Role(models.TextChoices):
    HPC_ADMIN = "hpc_admin", _("HPC administration")
    ML_PLATFORM = "ml_platform", _("ML/platform engineering")
    RESEARCH = "research", _("Research users")
    MANAGEMENT = "management", _("Management")
    OTHER = "other", _("Other")


class TeamQuerySet(models.QuerySet["Team"]):
    def for_token(self, raw: str) -> "TeamQuerySet":
        """The team (at most one) an owner's private team token opens; empty when malformed."""
        digest = token_digest(raw)
        return self.none() if digest is None else self.filter(token_hash=digest)

    def for_invite(self, raw: str) -> "TeamQuerySet":
        """The team (at most one) an invitation token lets a colleague join."""
        digest = token_digest(raw)
        return self.none() if digest is None else self.filter(invite_hash=digest)

    def for_dashboard(self) -> "TeamQuerySet":
        """Teams with their owner's lead, members and answered count, for the sales list (2 queries)."""
        scored = models.Q(members__assessment__status=Assessment.Status.SCORED)
        return (
            self.select_related("owner_assessment")
            .prefetch_related("members")
            .annotate(answered=models.Count("members", filter=scored))
            .order_by("-created_at", "-pk")
        )


class Team(models.Model):
    owner_assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="owned_teams",
        verbose_name=_("owner's assessment"),
    )
    name = models.CharField(_("name"), max_length=120)
    # Every member answers on this version, so their answers can be compared and combined.
    scoring_model = models.ForeignKey(
        ScoringModel, on_delete=models.PROTECT, related_name="+", verbose_name=_("model version")
    )
    # Both tokens are shown once (the owner's page, the invitation link) and stored hashed.
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    invite_hash = models.CharField(_("invite hash"), max_length=64, unique=True, editable=False)
    # Section index (as a string) -> the role whose members answer that section for the team.
    section_roles = models.JSONField(_("section owners"), default=dict, blank=True)
    # Kept current as members are scored or leave, so the dashboard lists teams without scoring.
    disagreement_count = models.PositiveSmallIntegerField(_("disagreements"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("team assessment")
        verbose_name_plural = _("team assessments")

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="members", verbose_name=_("team")
    )
    # One assessment answers for one team: the owner's own, or one started by the invitation.
    assessment = models.OneToOneField(
        Assessment,
        on_delete=models.CASCADE,
        related_name="team_membership",
        verbose_name=_("assessment"),
    )
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("e-mail"), blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OTHER)
    is_owner = models.BooleanField(_("owner"), default=False)
    # True when the assessment was started for this team: it goes when the team goes.
    only_for_team = models.BooleanField(_("exists only for the team"), default=True)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)
    # Set once, when the member's submitted answers were first scored (``member_joined``).
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-is_owner", "joined_at", "pk"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    def has_answered(self) -> bool:
        return self.assessment.is_scored()
