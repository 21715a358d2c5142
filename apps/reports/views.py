"""The prospect's private result page and their PDF download."""

from typing import Any

from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseStopPolling

from apps.assessments import services
from apps.assessments.models import Assessment
from apps.core.htmx import HtmxHttpRequest
from apps.core.ratelimit import token_page
from apps.core.views import rate_limited, too_many_token_misses

from . import charts
from .downloads import serve_report


def _get_assessment_for_token(token: str) -> Assessment:
    """The assessment a private token opens; 404 for any other token."""
    return get_object_or_404(
        Assessment.objects.for_token(token)
        .select_related("scoring_model", "recommendation")
        .defer("scoring_model__snapshot")
    )


@require_http_methods(["GET"])
def detail(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The private page: resumes a draft, polls while scoring, then shows the result."""
    try:
        assessment = _get_assessment_for_token(token)
    except Http404:
        if too_many_token_misses(request):
            return rate_limited(request)
        raise
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
    if request.htmx:
        response = render(request, "assessments/detail.html#score-status", ctx)
        if assessment.is_final():
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "assessments/detail.html", ctx)


def _result_context(assessment: Assessment, token: str) -> dict[str, Any]:
    scored = assessment.is_scored()
    return {
        "assessment": assessment,
        "token": token,
        "result": services.result_for(assessment) if scored else None,
        "charts": charts.charts_for(assessment) if scored else {},
        "show_contact": True,
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


