"""The prospect's private result page and their PDF download."""

from typing import Any

from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseStopPolling

from apps.assessments import services
from apps.assessments.models import Assessment
from apps.core.htmx import HtmxHttpRequest, render_page_or_partial, wants_partial
from apps.core.ratelimit import rate_limit, token_page

from .builder import report_context
from .downloads import serve_report


def _get_assessment_for_token(token: str) -> Assessment:
    """The assessment a private token opens; 404 for any other token."""
    return get_object_or_404(
        Assessment.objects.for_token(token)
        .select_related("scoring_model", "recommendation")
        .defer("scoring_model__snapshot")
    )


@require_http_methods(["GET"])
@rate_limit("token-misses", rate="TOKEN_LOOKUP_RATE", misses_only=True)
def detail(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The private page: resumes a draft, polls while scoring, then shows the result."""
    assessment = _get_assessment_for_token(token)
    if assessment.status == Assessment.Status.DRAFT:
        last = (
            len(services.snapshot_for(assessment)["sections"]) + 1
            if assessment.scoring_model
            else 1
        )
        return redirect(
            "assessments:step", token=token, n=min(max(assessment.current_step, 1), last)
        )
    ctx = _result_context(assessment, token)
    response = render_page_or_partial(request, "reports/result.html", "score-status", ctx)
    if wants_partial(request) and assessment.is_final():
        response.status_code = HttpResponseStopPolling.status_code
    return response


def _result_context(assessment: Assessment, token: str) -> dict[str, Any]:
    report = report_context(assessment, show_contact=True) if assessment.is_scored() else {}
    return {
        **report,
        "assessment": assessment,
        "token": token,
        "show_contact": True,
        "poll_seconds": services.POLL_SECONDS,
        "report_pdf_url": reverse("reports:report_pdf", kwargs={"token": token}),
        "assessment_booking_url": reverse("booking:index") + f"?assessment={token}",
    }


@token_page
@require_http_methods(["GET", "HEAD"])
def report_pdf(request: HtmxHttpRequest, token: str) -> HttpResponseBase:
    assessment = _get_assessment_for_token(token)
    if not assessment.is_scored():
        raise Http404
    back = reverse("reports:result", kwargs={"token": token})
    return serve_report(request, assessment, show_contact=True, back_url=back)
