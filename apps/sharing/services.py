"""Share links and their views: create, resolve, revoke, log and count.

Every token (private or shared) is looked up by its SHA-256 hash, so no raw token is ever
compared or stored; unknown, expired and revoked share tokens all resolve to ``None``.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max, QuerySet
from django.urls import reverse
from django.utils import timezone
from ua_parser import parse_user_agent

from apps.accounts.models import User
from apps.assessments.models import Assessment, ShareLink, ShareLinkView
from apps.core.tokens import hash_token, new_token

from . import signals

MIN_DAYS, MAX_DAYS = 1, 365
USER_AGENT_MAX = 512  # Parsing cost grows with length; real browsers stay well below.


@dataclass(frozen=True)
class NewShareLink:
    """A link just created: the only moment its raw token and URL are known."""

    link: ShareLink
    token: str
    url: str


def assessment_for_token(raw: str) -> Assessment | None:
    """The assessment a private token opens, found by the token's hash."""
    return (
        Assessment.objects.select_related("scoring_model", "recommendation")
        .filter(token_hash=hash_token(raw))
        .first()
    )


def create_share_link(
    *,
    assessment: Assessment,
    label: str,
    expires_in_days: int | None = None,
    created_by: User | None = None,
) -> NewShareLink:
    """Create a link to the assessment's read-only report; its token is returned only here."""
    days = settings.SHARE_LINK_DEFAULT_DAYS if expires_in_days is None else expires_in_days
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"expiry must be {MIN_DAYS}–{MAX_DAYS} days, not {days}")
    raw, digest = new_token()
    link = ShareLink.objects.create(
        assessment=assessment,
        label=label.strip(),
        token_hash=digest,
        created_by=created_by,
        expires_at=timezone.now() + timedelta(days=days),
    )
    return NewShareLink(link=link, token=raw, url=share_url(raw))


def share_url(raw: str) -> str:
    """The absolute address of a share link."""
    return settings.SITE_URL + reverse("sharing:shared_report", kwargs={"token": raw})


def revoke_share_link(*, link: ShareLink) -> bool:
    """Revoke a link at once; False if it was revoked already."""
    revoked = ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return revoked == 1


def resolve_share_link(raw: str) -> ShareLink | None:
    """The active link for a raw token, with its scored assessment.

    One query by hash whatever the token: unknown, expired and revoked tokens all give None,
    as does a link whose assessment has no result.
    """
    return (
        ShareLink.objects.active()
        .filter(token_hash=hash_token(raw), assessment__result__isnull=False)
        .select_related("assessment__scoring_model", "assessment__recommendation")
        .first()
    )


def log_view(
    *, link: ShareLink, user_agent: str, is_pdf: bool, viewer: User | None = None
) -> ShareLinkView:
    """Record one opening of a link: when, which browser family, page or PDF. No IP.

    ``viewer`` is the signed-in staff user who opened it (not stored; announced so that
    nobody is told about their own look at a link).
    """
    view = ShareLinkView.objects.create(
        link=link, browser_family=browser_family(user_agent), is_pdf=is_pdf
    )
    signals.share_link_viewed.send(sender=ShareLinkView, view=view, viewer=viewer)
    return view


def browser_family(user_agent: str) -> str:
    """The browser family ("Firefox", "Chrome", …) of a User-Agent header, or "Other"."""
    parsed = parse_user_agent(user_agent[:USER_AGENT_MAX]) if user_agent else None
    family = parsed.family if parsed else "Other"
    return family[: ShareLinkView._meta.get_field("browser_family").max_length]


def links_with_stats(assessment: Assessment) -> QuerySet[ShareLink]:
    """The assessment's links with view counts and last view, in one query."""
    return (
        ShareLink.objects.filter(assessment=assessment)
        .select_related("created_by")
        .annotate(view_count=Count("views"), last_viewed_at=Max("views__viewed_at"))
        .order_by("-created_at")
    )
