"""The public FAQ page, with live search and FAQPage structured data."""

import json

from django.db.models import Q
from django.http import HttpResponse
from django.utils.safestring import SafeString, mark_safe

from apps.core.htmx import HtmxHttpRequest, render_page_or_partial

from .forms import FaqSearchForm
from .models import Faq, FaqCategory, FaqQuerySet

# The escapes of Django's json_script: the JSON cannot close the <script> element it sits in.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def index(request: HtmxHttpRequest) -> HttpResponse:
    form = FaqSearchForm(request.GET, categories=list(FaqCategory.objects.all()))
    faqs = _matching(Faq.objects.published(), **form.filters()) if form.is_valid() else []
    ctx = {"form": form, "faqs": faqs, "json_ld": _faq_page_json_ld(faqs)}
    return render_page_or_partial(request, "faq/index.html", "faq-list", ctx)


def _matching(faqs: FaqQuerySet, *, query: str, category: FaqCategory | None) -> list[Faq]:
    if category is not None:
        faqs = faqs.filter(category=category)
    for word in query.split():
        faqs = faqs.filter(Q(question__icontains=word) | Q(answer__icontains=word))
    # Categories with the same order must not interleave under their headings.
    return list(faqs.order_by("category__order", "category__name", "category_id", "order", "id"))


def _faq_page_json_ld(faqs: list[Faq]) -> SafeString | None:
    """schema.org FAQPage data for the questions on the page, safe inside a <script> element."""
    if not faqs:
        return None
    data = {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": faq.question,
                "acceptedAnswer": {"@type": "Answer", "text": str(faq.answer_html())},
            }
            for faq in faqs
        ],
    }
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES))  # noqa: S308 - escaped just above.
