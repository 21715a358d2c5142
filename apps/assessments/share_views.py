"""Pages behind tokens: the shared report, PDF downloads, share-link management, deletion.

Every view here looks a token up by hash, is rate limited per client IP, is never cached,
sends no Referer onwards and asks search engines to stay away.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling
from django_htmx.middleware import HtmxDetails
from django_ratelimit.core import is_ratelimited

from apps.core.views import rate_limited

from . import reports, sharing
from .charts import report_charts
from .models import Assessment, ShareLink
from .share_forms import DeleteAssessmentForm, ShareLinkForm


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


View = Callable[..., HttpResponseBase]


def _token_rate(group: str, request: HttpRequest) -> str:
    return settings.TOKEN_LOOKUP_RATE


def token_page(view: View) -> View:
    """Rate limit per IP (one budget for every token page), no caching, no Referer, noindex."""

    @wraps(view)
    @never_cache
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response: HttpResponseBase
        if is_ratelimited(
            request, group="token-lookup", key="ip", rate=_token_rate, increment=True
        ):
            response = rate_limited(request)
        else:
            response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


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


def report_context(assessment: Assessment, *, show_contact: bool) -> dict[str, Any]:
    """What ``assessments/_report.html`` needs (the contract: assessment, result, charts…)."""
    result = assessment.result or {}
    options = (
        assessment.scoring_model.snapshot.get("options", []) if assessment.scoring_model else []
    )
    return {
        "assessment": assessment,
        "result": result,
        "charts": report_charts(result, options),
        "show_contact": show_contact,
    }


# --- The shared report ---


@token_page
@require_http_methods(["GET", "HEAD"])
def shared_report(request: HtmxHttpRequest, token: str) -> HttpResponse:
    link = _get_link_for_token(token)
    if request.method == "GET":
        user_agent = request.headers.get("User-Agent", "")
        sharing.log_view(link=link, user_agent=user_agent, is_pdf=False)
    ctx = {
        **report_context(link.assessment, show_contact=False),
        "link": link,
        "token": token,
    }
    return render(request, "assessments/share/report.html", ctx)


@token_page
@require_http_methods(["GET", "HEAD"])
def shared_report_pdf(request: HtmxHttpRequest, token: str) -> HttpResponseBase:
    link = _get_link_for_token(token)

    def logged() -> None:
        user_agent = request.headers.get("User-Agent", "")
        sharing.log_view(link=link, user_agent=user_agent, is_pdf=True)

    back = reverse("assessments:shared_report", kwargs={"token": token})
    return serve_report(
        request, link.assessment, show_contact=False, back_url=back, on_download=logged
    )


# --- The prospect's private pages ---


@token_page
@require_http_methods(["GET", "HEAD"])
def report_pdf(request: HtmxHttpRequest, token: str) -> HttpResponseBase:
    assessment = _get_assessment_for_token(token)
    if not assessment.is_scored():
        raise Http404
    back = reverse("assessments:detail", kwargs={"token": token})
    return serve_report(request, assessment, show_contact=True, back_url=back)


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
        "create_url": reverse("assessments:share_links", kwargs={"token": token}),
        "revoke_url_name": "assessments:share_link_revoke",
        "owner_key": token,
    }
    template = "assessments/share/links.html"
    if request.htmx:
        template += "#share-links"
    return render(request, template, ctx, status=201 if new_link else 200)


@token_page
@require_POST
def revoke_share_link(request: HtmxHttpRequest, token: str, link_id: int) -> HttpResponseBase:
    assessment = _get_assessment_for_token(token)
    link = get_object_or_404(ShareLink, pk=link_id, assessment=assessment)
    sharing.revoke_share_link(link=link)
    if request.htmx:
        return share_links(request, token)
    messages.success(request, _("The link “%(label)s” no longer opens.") % {"label": link.label})
    return redirect("assessments:share_links", token=token)


@token_page
@require_http_methods(["GET", "HEAD", "POST"])
def delete_assessment(request: HtmxHttpRequest, token: str) -> HttpResponse:
    assessment = _get_assessment_for_token(token)
    form = DeleteAssessmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        sharing.delete_assessment(assessment=assessment)
        messages.success(
            request, _("Your assessment, contact details and share links have been deleted.")
        )
        return redirect("catalog:home")
    ctx = {"assessment": assessment, "token": token, "form": form}
    return render(request, "assessments/share/delete.html", ctx, status=400 if form.errors else 200)


# --- PDF delivery, shared by the private, shared and dashboard pages ---


def serve_report(
    request: HtmxHttpRequest,
    assessment: Assessment,
    *,
    show_contact: bool,
    back_url: str,
    on_download: Callable[[], None] | None = None,
) -> HttpResponseBase:
    """The PDF when it is ready; otherwise a page that waits for it (htmx polls this URL).

    A full page load queues the render if needed (also retrying a failed one); a poll only
    reads the state and stops polling (286) once the PDF is ready or failed.
    """
    ready = reports.is_report_current(assessment)
    if ready and not request.htmx:
        name = reports.stored_name(assessment, show_contact=show_contact)
        try:
            handle = default_storage.open(name, "rb")
        except FileNotFoundError:
            reports.forget_missing(assessment)
            ready = False
        else:
            if on_download:
                on_download()
            return FileResponse(
                handle,
                as_attachment=True,
                filename=reports.download_filename(assessment, show_contact=show_contact),
                content_type="application/pdf",
            )
    if not ready and not request.htmx:
        reports.queue_render(assessment)
    failed = assessment.report_status == Assessment.ReportStatus.FAILED
    ctx = {"ready": ready, "failed": failed, "pdf_url": request.path, "back_url": back_url}
    if request.htmx:
        response = render(request, "assessments/share/report_download.html#report-status", ctx)
        if ready or failed:
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "assessments/share/report_download.html", ctx, status=202)
