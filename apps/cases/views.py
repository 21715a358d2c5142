"""Public pages of the case library: the list with its filters and one page per case."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from apps.core.htmx import HtmxHttpRequest, render_page_or_partial
from apps.questionnaire.services import latest_model

from .forms import CaseFilterForm
from .models import Case
from .services import labelled_answers, matrix_evidence


def case_list(request: HtmxHttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET)
    cases = form.filter(Case.objects.published().with_sources())
    ctx = {"form": form, "cases": cases, "total": Case.objects.published().count()}
    return render_page_or_partial(request, "cases/list.html", "case-list", ctx)


def case_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    case = _get_case_for_visitor(slug)
    model = latest_model()
    ctx = {
        "case": case,
        "answers": labelled_answers(case, model=model) if model else [],
        "evidence": matrix_evidence(case, model=model) if model else [],
    }
    return render(request, "cases/detail.html", ctx)


def _get_case_for_visitor(slug: str) -> Case:
    """A published case; drafts are as absent as unknown slugs."""
    return get_object_or_404(Case.objects.published().with_evidence(), slug=slug)
