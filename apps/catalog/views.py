"""Public pages of the knowledge base: home, the comparison matrix and one page per technology."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.db.models import Model, Prefetch
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page

from apps.core.htmx import VARYING_HEADERS, HtmxHttpRequest, render_page_or_partial
from apps.core.spreadsheets import SpreadsheetWriter

from .changelog import latest_change_date, rating_changes, rating_label
from .forms import ChangesForm, CompareForm
from .models import Category, Feature, Rating, Technology, TechnologyPoint
from .services import build_matrix, cached_rendering, headline_differences, matrix_csv_rows

# Cached renderings also expire on their own, in case an edit's signal was lost (cache down).
CACHE_TIMEOUT = 60 * 60
CHANGES_PER_PAGE = 25
FEED_ITEMS = 50


@dataclass(frozen=True)
class RenderedMatrix:
    """The comparison table as HTML ('' when no row matches) and how many rows it has."""

    count: int
    html: SafeString


def _cache_key(kind: str, *parts: object) -> str:
    """A cache key for a rendering in the active language."""
    digest = hashlib.sha256(json.dumps([get_language(), *parts]).encode()).hexdigest()
    return f"catalog:{kind}:{digest}"


def impersonal_cookies(request: HttpRequest) -> bool:
    """True when the request's cookies cannot change what a public page shows anyone.

    The CSRF cookie (pages for anonymous visitors carry no token) and the language cookie
    (the cache key holds the active language) are the only ones; any other (the session:
    a logged-in user, its messages; the messages cookie) makes the page personal.
    """
    return set(request.COOKIES) <= {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


def cached_for_visitors_without_cookies(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Serve a public page from the cache to visitors who send no cookie, until the catalog changes.

    First visits (from a search, an e-mail or the firm's article) carry no cookie and all see
    the same page; so do returning visitors whose cookies are only the CSRF token and the
    language (``impersonal_cookies``: the language is part of the key). A session or a message
    may show something personal (staff navigation, a message), so those pages are rendered. A
    response that sets a cookie is never stored. Pages are gzipped (the full matrix is 200 KB
    of HTML) and stored that way, once per encoding.
    """
    view = gzip_page(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not impersonal_cookies(request) or request.method != "GET":
            return view(request, *args, **kwargs)
        headers = [request.headers.get(name, "") for name in VARYING_HEADERS]
        gzipped = bool(re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")))
        key = _cache_key("page", request.get_host(), request.get_full_path(), headers, gzipped)
        return cached_rendering(
            key,
            lambda: view(request, *args, **kwargs),
            timeout=CACHE_TIMEOUT,
            keep=lambda response: response.status_code == 200 and not response.cookies,
        )

    return wrapper


@cached_for_visitors_without_cookies
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


@cached_for_visitors_without_cookies
def compare(request: HtmxHttpRequest) -> HttpResponse:
    form = _compare_form(request)
    ctx = {
        "form": form,
        "table": _matrix_table(form) if form.is_valid() else None,
        "feature_total": Feature.objects.count(),
        "ratings": list(Rating),
        "updated": latest_change_date(),
    }
    return render_page_or_partial(request, "catalog/compare.html", "matrix-table", ctx)


def compare_csv(request: HtmxHttpRequest) -> HttpResponse:
    form = _compare_form(request)
    if not form.is_valid():
        message = " ".join(str(error) for errors in form.errors.values() for error in errors)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="orchestration-comparison.csv"'},
    )
    SpreadsheetWriter(response).writerows(matrix_csv_rows(build_matrix(**form.matrix_params())))
    return response


@cached_for_visitors_without_cookies
def technology(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    points = Prefetch("points", queryset=TechnologyPoint.objects.select_related("feature"))
    # django-stubs loses Prefetch's type variables on managers made by as_manager()
    # (typeddjango/django-stubs#3263, fixed upstream, not in 5.2.9).
    queryset = Technology.objects.prefetch_related(points, "scenarios")  # type: ignore[arg-type]
    technology = get_object_or_404(queryset, slug=slug)
    kinds = TechnologyPoint.Kind
    ctx = {
        "technology": technology,
        "strengths": [p for p in technology.points.all() if p.kind == kinds.STRENGTH],
        "weaknesses": [p for p in technology.points.all() if p.kind == kinds.WEAKNESS],
        "matrix": build_matrix(technologies=[technology]),
        "others": Technology.objects.exclude(pk=technology.pk),
        "ratings": list(Rating),
        "updated": latest_change_date(technology=technology),
    }
    return render(request, "catalog/technology.html", ctx)


def changes(request: HtmxHttpRequest) -> HttpResponse:
    """The public changelog: rating changes in the knowledge base, newest first."""
    form = ChangesForm(request.GET)
    technology = form.cleaned_data["technology"] if form.is_valid() else None
    entries = rating_changes(technology=technology) if form.is_valid() else rating_changes()[:0]
    page_obj = Paginator(entries, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    ctx = {"form": form, "technology": technology, "page_obj": page_obj}
    return render(request, "catalog/changes.html", ctx)


# Feed is generic only in django-stubs (the runtime class takes no parameters).
class ChangesFeed(Feed):  # type: ignore[type-arg]
    """The changelog as an Atom feed, the latest entries first."""

    feed_type = Atom1Feed

    def title(self) -> str:
        return _("Orchestration Advisor: knowledge base changes")

    def subtitle(self) -> str:
        return _("Rating changes in the comparison of orchestration layers, with the reason.")

    def link(self) -> str:
        return reverse("catalog:changes")

    def items(self) -> list[Model]:
        return list(rating_changes()[:FEED_ITEMS])

    def item_title(self, item: Model) -> str:
        return _("%(feature)s, %(technology)s: %(old)s → %(new)s") % {
            "feature": item.feature or _("(deleted feature)"),  # type: ignore[attr-defined]
            "technology": item.technology or _("(deleted technology)"),  # type: ignore[attr-defined]
            "old": rating_label(item.old_rating),  # type: ignore[attr-defined]
            "new": rating_label(item.new_rating),  # type: ignore[attr-defined]
        }

    def item_description(self, item: Model) -> str:
        return item.history_change_reason or ""  # type: ignore[attr-defined]

    def item_link(self, item: Model) -> str:
        return f"{reverse('catalog:changes')}#change-{item.pk}"

    def item_pubdate(self, item: Model) -> object:
        return item.history_date  # type: ignore[attr-defined]

    def item_updateddate(self, item: Model) -> object:
        return item.history_date  # type: ignore[attr-defined]


def _matrix_table(form: CompareForm) -> RenderedMatrix:
    """The table for the form's choices, rendered once per choice, language and catalog version.

    Rendering every cell with its Markdown costs far more than the rest of the page together.
    """
    params = form.matrix_params()
    key = _cache_key(
        "table",
        [technology.slug for technology in params["technologies"]],
        params["category"].slug if params["category"] else "",
        " ".join(params["query"].split()),
        params["differ"],
    )

    def render_table() -> RenderedMatrix:
        matrix = build_matrix(**params)
        html = (
            render_to_string("catalog/_matrix.html", {"matrix": matrix})
            if matrix.groups
            else SafeString()
        )
        return RenderedMatrix(count=matrix.count, html=html)

    return cached_rendering(key, render_table, timeout=CACHE_TIMEOUT)


def _compare_form(request: HttpRequest) -> CompareForm:
    return CompareForm(
        request.GET,
        technologies=list(Technology.objects.all()),
        categories=list(Category.objects.all()),
    )
