"""The pages of share links: the shared report and its PDF, and the prospect's link manager.

Every view here looks a token up by hash and is rate limited per client IP
(``core.ratelimit.token_page``); its pages are never cached, send no token onwards in a
Referer and ask search engines to stay away (``core.middleware.PrivatePageMiddleware``).
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import User
from apps.assessments.models import Assessment, ShareLink
from apps.core.htmx import HtmxHttpRequest, render_page_or_partial
from apps.core.ratelimit import token_page
from apps.reports.builder import report_context
from apps.reports.downloads import serve_report

from . import services as sharing
from .forms import ShareLinkForm


def _get_assessment_for_token(token: str) -> Assessment:
    assessment = sharing.assessment_for_token(token)
    if assessment is None:
        raise Http404
    return assessment


def _get_link_for_token(token: str) -> ShareLink:
    link = sharing.resolve_share_link(token)
    if link is None:
        raise Http404
    return link


def _staff_viewer(request: HtmxHttpRequest) -> User | None:
    """The signed-in staff user opening a link (checking it), or None for anyone else."""
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated and user.is_staff else None


# --- The shared report ---


@token_page
@require_http_methods(["GET", "HEAD"])
def shared_report(request: HtmxHttpRequest, token: str) -> HttpResponse:
    link = _get_link_for_token(token)
    if request.method == "GET":
        user_agent = request.headers.get("User-Agent", "")
        sharing.log_view(
            link=link, user_agent=user_agent, is_pdf=False, viewer=_staff_viewer(request)
        )
    ctx = {
        **report_context(link.assessment, show_contact=False),
        "link": link,
        "token": token,
    }
    return render(request, "sharing/report.html", ctx)


@token_page
@require_http_methods(["GET", "HEAD"])
def shared_report_pdf(request: HtmxHttpRequest, token: str) -> HttpResponseBase:
    link = _get_link_for_token(token)

    def logged() -> None:
        user_agent = request.headers.get("User-Agent", "")
        sharing.log_view(
            link=link, user_agent=user_agent, is_pdf=True, viewer=_staff_viewer(request)
        )

    back = reverse("sharing:shared_report", kwargs={"token": token})
    return serve_report(
        request, link.assessment, show_contact=False, back_url=back, on_download=logged
    )


# --- The prospect's links ---


@token_page
@require_http_methods(["GET", "HEAD", "POST"])
def share_links(request: HtmxHttpRequest, token: str) -> HttpResponse:
    assessment = _get_assessment_for_token(token)
    form = ShareLinkForm(request.POST if request.method == "POST" else None)
    new_link = None
    if request.method == "POST" and assessment.result is not None and form.is_valid():
        new_link = form.save(assessment)
        form = ShareLinkForm()
    ctx = {
        "assessment": assessment,
        "token": token,
        "links": sharing.links_with_stats(assessment),
        "form": form,
        "new_link": new_link,
        "create_url": reverse("sharing:share_links", kwargs={"token": token}),
        "revoke_url_name": "sharing:share_link_revoke",
        "owner_key": token,
    }
    return render_page_or_partial(
        request, "sharing/links.html", "share-links", ctx, status=201 if new_link else 200
    )


@token_page
@require_POST
def revoke_share_link(request: HtmxHttpRequest, token: str, link_id: int) -> HttpResponseBase:
    assessment = _get_assessment_for_token(token)
    link = get_object_or_404(ShareLink, pk=link_id, assessment=assessment)
    sharing.revoke_share_link(link=link)
    if request.htmx:
        return share_links(request, token)
    messages.success(request, _("The link “%(label)s” no longer opens.") % {"label": link.label})
    return redirect("sharing:share_links", token=token)
