"""Public pages of the knowledge base: home, the comparison matrix and one page per technology."""

import csv

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from .forms import CompareForm
from .models import Category, Feature, Rating, Technology, TechnologyPoint
from .services import build_matrix, headline_differences, matrix_csv_rows


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def home(request: HtmxHttpRequest) -> HttpResponse:
    technologies = list(Technology.objects.options())
    ctx = {
        "technologies": technologies,
        "categories": Category.objects.all(),
        "headline": headline_differences(technologies=technologies),
        "feature_count": Feature.objects.count(),
        "ratings": list(Rating),
    }
    return render(request, "catalog/home.html", ctx)


@vary_on_headers("HX-Request")
def compare(request: HtmxHttpRequest) -> HttpResponse:
    form = _compare_form(request)
    ctx = {
        "form": form,
        "matrix": build_matrix(**form.matrix_params()) if form.is_valid() else None,
        "feature_total": Feature.objects.count(),
        "ratings": list(Rating),
    }
    template = "catalog/compare.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#matrix-table"
    return render(request, template, ctx)


def compare_csv(request: HtmxHttpRequest) -> HttpResponse:
    form = _compare_form(request)
    if not form.is_valid():
        message = " ".join(str(error) for errors in form.errors.values() for error in errors)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="orchestration-comparison.csv"'},
    )
    csv.writer(response).writerows(matrix_csv_rows(build_matrix(**form.matrix_params())))
    return response


def technology(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    points = Prefetch("points", queryset=TechnologyPoint.objects.select_related("feature"))
    queryset = Technology.objects.prefetch_related(points, "scenarios")
    technology = get_object_or_404(queryset, slug=slug)
    kinds = TechnologyPoint.Kind
    ctx = {
        "technology": technology,
        "strengths": [p for p in technology.points.all() if p.kind == kinds.STRENGTH],
        "weaknesses": [p for p in technology.points.all() if p.kind == kinds.WEAKNESS],
        "matrix": build_matrix(technologies=[technology]),
        "others": Technology.objects.exclude(pk=technology.pk),
        "ratings": list(Rating),
    }
    return render(request, "catalog/technology.html", ctx)


def _compare_form(request: HttpRequest) -> CompareForm:
    return CompareForm(
        request.GET,
        technologies=list(Technology.objects.all()),
        categories=list(Category.objects.all()),
    )
