"""The sales dashboard: leads, a lead's report and share links, charts, re-scoring.

Open to the Sales group and superusers. Anonymous visitors are sent to the login page;
other staff get the 403 page.
"""

from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import User
from apps.assessments.models import Assessment, ShareLink
from apps.catalog.models import Technology
from apps.core.htmx import HtmxHttpRequest, render_page_or_partial, wants_partial
from apps.core.spreadsheets import SpreadsheetWriter
from apps.questionnaire.models import ScoringModel
from apps.reports.builder import build_report, report_context
from apps.reports.downloads import serve_report
from apps.sharing import services as sharing
from apps.sharing.forms import ShareLinkForm
from apps.teams import exports as team_exports
from apps.teams.models import Team
from apps.teams.results import team_members

from . import charts, services
from .forms import LeadFilterForm, RescoreForm

PAGE_SIZE = 25


View = Callable[..., HttpResponseBase]


def sales_required(view: View) -> View:
    """Sales and superusers pass; anonymous users log in first; anyone else gets 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_sales():
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _get_lead_for_user(pk: int) -> Assessment:
    """A submitted assessment with what the lead page shows (access is checked by the decorator)."""
    return get_object_or_404(
        Assessment.objects.for_leads().annotate(booked=services.booked()), pk=pk
    )


# --- Leads ---


@sales_required
@require_http_methods(["GET", "HEAD"])
def index(request: HtmxHttpRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET)
    page = Paginator(services.leads(form.criteria()), PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"form": form, "page_obj": page, "leads": page.object_list, "hx_target": "#leads-table"}
    return render_page_or_partial(request, "dashboard/index.html", "leads-table", ctx)


@sales_required
@require_http_methods(["GET", "HEAD"])
def leads_csv(request: HttpRequest) -> StreamingHttpResponse:
    rows = services.leads(LeadFilterForm(request.GET).criteria())
    filename = f"leads-{timezone.localdate().isoformat()}.csv"
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Any) -> Iterator[str]:
    writer = SpreadsheetWriter(_Echo())
    yield "\ufeff"  # A byte-order mark, so spreadsheet programs read UTF-8.
    yield writer.writerow(
        [
            _("Submitted"),
            _("Company"),
            _("Name"),
            _("E-mail"),
            _("Role"),
            _("Consent"),
            _("Recommendation"),
            _("Fit"),
            _("Confidence"),
            _("Status"),
            _("Booked"),
            _("Model version"),
        ]
    )
    for lead in rows.iterator(chunk_size=1000):
        yield writer.writerow(
            [
                lead.submitted_at.isoformat() if lead.submitted_at else "",
                lead.company,
                lead.contact_name,
                lead.contact_email,
                lead.role,
                _("yes") if lead.consent else _("no"),
                lead.recommendation.name if lead.recommendation else "",
                "" if lead.fit is None else f"{lead.fit:.1f}",
                "" if lead.confidence is None else f"{lead.confidence:.2f}",
                lead.get_status_display(),
                _("yes") if lead.booked else _("no"),
                lead.scoring_model.version if lead.scoring_model else "",
            ]
        )


@sales_required
@require_http_methods(["GET", "HEAD", "POST"])
def lead(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    assessment = _get_lead_for_user(pk)
    form = ShareLinkForm(request.POST if request.method == "POST" else None)
    new_link = None
    if request.method == "POST" and assessment.result is not None and form.is_valid():
        new_link = form.save(assessment, created_by=cast(User, request.user))
        form = ShareLinkForm()
    ctx = _lead_context(assessment, form=form, new_link=new_link)
    return render_page_or_partial(
        request, "dashboard/lead.html", "share-links", ctx, status=201 if new_link else 200
    )


def _lead_context(
    assessment: Assessment, *, form: ShareLinkForm, new_link: sharing.NewShareLink | None
) -> dict[str, Any]:
    scored = assessment.result is not None
    report = report_context(assessment, show_contact=True) if scored else {}
    ctx: dict[str, Any] = {
        **report,
        "assessment": assessment,
        # The answers read the same as in the report (also before it is scored).
        "answers": (
            report["report"] if scored else build_report(assessment, show_contact=True)
        ).answers,
        "links": sharing.links_with_stats(assessment),
        "bookings": services.lead_bookings(assessment),
        "form": form,
        "new_link": new_link,
        "hide_form": assessment.result is None,
        "create_url": reverse("dashboard:lead", kwargs={"pk": assessment.pk}),
        "revoke_url_name": "dashboard:lead_share_revoke",
        "owner_key": assessment.pk,
        "staff_view": True,
        "teams": Team.objects.filter(members__assessment=assessment),
    }
    return ctx


@sales_required
@require_POST
def lead_share_revoke(request: HtmxHttpRequest, pk: int, link_id: int) -> HttpResponse:
    assessment = _get_lead_for_user(pk)
    link = get_object_or_404(ShareLink, pk=link_id, assessment=assessment)
    sharing.revoke_share_link(link=link)
    if request.htmx:
        ctx = _lead_context(assessment, form=ShareLinkForm(), new_link=None)
        return render(request, "dashboard/lead.html#share-links", ctx)
    messages.success(request, _("The link “%(label)s” no longer opens.") % {"label": link.label})
    return redirect("dashboard:lead", pk=pk)


@sales_required
@require_http_methods(["GET", "HEAD"])
def lead_report_pdf(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    assessment = _get_lead_for_user(pk)
    if not assessment.is_scored():
        messages.info(request, _("The report exists once the assessment is scored."))
        return redirect("dashboard:lead", pk=pk)
    back = reverse("dashboard:lead", kwargs={"pk": pk})
    return serve_report(request, assessment, show_contact=True, back_url=back)


# --- Charts ---


@sales_required
@require_http_methods(["GET", "HEAD"])
def stats(request: HtmxHttpRequest) -> HttpResponse:
    questions = services.latest_questions()
    key = request.GET.get("question", "")
    question = next((q for q in questions if q["key"] == key), questions[0] if questions else None)
    ctx: dict[str, Any] = {"questions": questions, "question": question}
    if question is not None:
        ctx["answer_chart"] = charts.answer_distribution(question, services.answer_counts(question))
    if not wants_partial(request):
        options = services.chart_options()
        ctx.update(
            weekly_chart=charts.recommendations_over_time(
                services.weekly_recommendations(), options
            ),
            distribution_chart=charts.recommendation_distribution(
                services.recommendation_counts(), options
            ),
            funnel_chart=charts.funnel(services.funnel_counts()),
        )
    return render_page_or_partial(request, "dashboard/stats.html", "answer-chart", ctx)


# --- Re-scoring ---


@sales_required
@require_http_methods(["GET", "HEAD", "POST"])
def rescore(request: HtmxHttpRequest) -> HttpResponse:
    latest = ScoringModel.objects.latest_published()
    form = RescoreForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and latest is not None and form.is_valid():
        ids = form.cleaned_data["ids"] if form.cleaned_data["scope"] == "selected" else None
        count = services.queue_rescore(scoring_model=latest, ids=ids)
        messages.success(
            request,
            ngettext(
                "%(count)d assessment is being re-scored with version %(version)d.",
                "%(count)d assessments are being re-scored with version %(version)d.",
                count,
            )
            % {"count": count, "version": latest.version},
        )
        return redirect("dashboard:changes")
    ctx = {"form": form, "latest": latest, "versions": services.model_versions()}
    return render(request, "dashboard/rescore.html", ctx, status=400 if form.errors else 200)


@sales_required
@require_http_methods(["GET", "HEAD"])
def changes(request: HtmxHttpRequest) -> HttpResponse:
    page = Paginator(services.changed_recommendations(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    names = dict(Technology.objects.options().values_list("slug", "name"))
    rows = [_change_row(each, names) for each in page.object_list]
    ctx = {"page_obj": page, "rows": rows, "hx_target": "#changes-table"}
    return render_page_or_partial(request, "dashboard/changes.html", "changes-table", ctx)


def _change_row(assessment: Any, names: dict[str, str]) -> dict[str, Any]:
    """One row of the changes table (``assessment`` carries the annotated slugs)."""
    previous, current = assessment.previous_slug, assessment.current_slug
    scores = (assessment.previous_result or {}).get("scores", {})
    return {
        "assessment": assessment,
        "previous": names.get(previous, previous),
        "current": names.get(current, current),
        "previous_fit": scores.get(previous, {}).get("fit"),
    }


# --- Bookings ---


@sales_required
@require_http_methods(["GET", "HEAD"])
def bookings(request: HtmxHttpRequest) -> HttpResponse:
    """Booked technical assessments: upcoming first, or past ones, with each pre-brief."""
    show_past = request.GET.get("when") == "past"
    rows = services.bookings(past=show_past)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"page_obj": page, "bookings": page.object_list, "show_past": show_past}
    return render_page_or_partial(request, "dashboard/bookings.html", "bookings-table", ctx)


# --- Team assessments ---


@sales_required
@require_http_methods(["GET", "HEAD"])
def teams(request: HtmxHttpRequest) -> HttpResponse:
    """Team assessments: members and roles, how many answered, how many disagreements."""
    page = Paginator(Team.objects.for_dashboard(), PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"page_obj": page, "teams": page.object_list}
    return render(request, "dashboard/teams.html", ctx)


def _get_team_for_user(pk: int) -> Team:
    """A team by id (access is checked by the decorator)."""
    return get_object_or_404(
        Team.objects.select_related("scoring_model", "owner_assessment"), pk=pk
    )


@sales_required
@require_http_methods(["GET", "HEAD"])
def team(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A team's result with its members' contact details, and its roadmap downloads."""
    found = _get_team_for_user(pk)
    ctx = team_exports.result_context(found, team_members(found))
    ctx |= {
        "show_contact": True,
        "roadmap_csv_url": reverse("dashboard:team_roadmap_csv", kwargs={"pk": pk}),
        "roadmap_md_url": reverse("dashboard:team_roadmap_md", kwargs={"pk": pk}),
        "pdf_url": reverse("dashboard:team_pdf", kwargs={"pk": pk}),
    }
    return render(request, "dashboard/team.html", ctx)


@sales_required
@require_http_methods(["GET", "HEAD"])
def team_roadmap(request: HtmxHttpRequest, pk: int, fmt: str) -> HttpResponse:
    found = _get_team_for_user(pk)
    return team_exports.roadmap_response(team_exports.team_roadmap(found), fmt=fmt, name=found.name)


@sales_required
@require_http_methods(["GET", "HEAD"])
def team_pdf(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The team result as a PDF, with the members' addresses."""
    return team_exports.pdf_response(_get_team_for_user(pk), show_contact=True)


@sales_required
@require_http_methods(["GET", "HEAD"])
def lead_roadmap(request: HtmxHttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A lead's roadmap, as the prospect downloads it."""
    assessment = _get_lead_for_user(pk)
    found = team_exports.assessment_roadmap(assessment)
    if found is None:
        messages.info(request, _("The roadmap exists once the assessment is scored."))
        return redirect("dashboard:lead", pk=pk)
    return team_exports.roadmap_response(found, fmt=fmt, name=assessment.company or str(pk))
