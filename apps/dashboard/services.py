"""Queries and workflows behind the sales dashboard: leads, statistics, re-scoring."""

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import TruncWeek
from django.utils import timezone

from apps.assessments.models import Assessment
from apps.booking.models import Booking
from apps.catalog.models import Technology
from apps.core.queue import enqueue
from apps.questionnaire.models import UNKNOWN, ScoringModel

RESCORE_CHUNK = 100
# Sort keys the leads table offers, mapped to columns; anything else falls back to the default.
SORTS = {
    "date": "submitted_at",
    "company": "company",
    "contact": "contact_name",
    "recommendation": "recommendation__name",
    "fit": "fit",
    "confidence": "confidence",
    "status": "status",
}
DEFAULT_SORT = "-date"
Status = Assessment.Status


def booked() -> Exists:
    """True when the assessment has a confirmed booking: for ``annotate(booked=…)``."""
    bookings = Booking.objects.filter(assessment=OuterRef("pk"), status=Booking.Status.CONFIRMED)
    return Exists(bookings)


@dataclass(frozen=True)
class LeadFilter:
    q: str = ""
    date_from: date | None = None
    date_to: date | None = None
    recommendation: str = ""
    booked: str = ""  # "", "yes" or "no"
    sort: str = DEFAULT_SORT


def leads(criteria: LeadFilter) -> QuerySet[Assessment]:
    """Submitted assessments filtered, searched and sorted for the leads table and its CSV."""
    # The table and the CSV show no answers or results: leave the large JSON columns behind.
    rows = (
        Assessment.objects.for_leads()
        .defer("answers", "result", "previous_result")
        .annotate(booked=booked())
    )
    if criteria.q:
        rows = rows.filter(
            Q(company__icontains=criteria.q)
            | Q(contact_name__icontains=criteria.q)
            | Q(contact_email__icontains=criteria.q)
        )
    if criteria.date_from:
        rows = rows.filter(submitted_at__gte=_start_of(criteria.date_from))
    if criteria.date_to:
        rows = rows.filter(submitted_at__lt=_start_of(criteria.date_to + timedelta(days=1)))
    if criteria.recommendation:
        rows = rows.filter(recommendation__slug=criteria.recommendation)
    if criteria.booked in {"yes", "no"}:
        rows = rows.filter(booked=criteria.booked == "yes")
    return rows.order_by(*sort_order(criteria.sort))


def sort_order(sort: str) -> list[Any]:
    """ORDER BY for a whitelisted sort key ("fit", "-date"…); empty values last, ties newest first."""
    key = sort.removeprefix("-")
    if key not in SORTS:
        return sort_order(DEFAULT_SORT)
    column = F(SORTS[key])
    first = column.desc(nulls_last=True) if sort.startswith("-") else column.asc(nulls_last=True)
    return [first, F("submitted_at").desc(nulls_last=True), "-pk"]


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def lead_bookings(assessment: Assessment) -> QuerySet[Any]:
    """The bookings made from this assessment, as the dashboard lists them."""
    return Booking.objects.for_dashboard().filter(assessment=assessment)


# --- Statistics for the charts ---


def funnel_counts() -> list[tuple[str, int]]:
    """Started → submitted → scored → booked, in one query."""
    totals = Assessment.objects.annotate(has_booking=booked()).aggregate(
        started=Count("pk"),
        submitted=Count("pk", filter=~Q(status=Status.DRAFT)),
        scored=Count("pk", filter=Q(status=Status.SCORED)),
        booked=Count("pk", filter=Q(has_booking=True)),
    )
    return [(stage, totals[stage]) for stage in ("started", "submitted", "scored", "booked")]


def weekly_recommendations(*, weeks: int = 26) -> list[dict[str, Any]]:
    """Scored assessments per week and recommended option over the last ``weeks`` weeks."""
    since = timezone.now() - timedelta(weeks=weeks)
    return list(
        Assessment.objects.filter(status=Status.SCORED, scored_at__gte=since)
        .annotate(week=TruncWeek("scored_at"))
        .values("week", slug=F("recommendation__slug"))
        .annotate(count=Count("pk"))
        .order_by("week", "slug")
    )


def recommendation_counts() -> dict[str | None, int]:
    """How often each option is recommended across scored assessments."""
    rows = (
        Assessment.objects.filter(status=Status.SCORED)
        .values(slug=F("recommendation__slug"))
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {row["slug"]: row["count"] for row in rows}


def chart_options() -> list[Technology]:
    """The recommendation options with their chart colours, in display order."""
    return list(Technology.objects.options())


def latest_questions() -> list[dict[str, Any]]:
    """Questions of the latest published scoring model, in questionnaire order."""
    model = ScoringModel.objects.latest_published()
    if model is None:
        return []
    return [q for s in model.snapshot.get("sections", []) for q in s.get("questions", [])]


def answer_counts(question: dict[str, Any]) -> dict[str, int]:
    """How submitted assessments answered one question, by choice key (bands for numbers).

    One grouped query on the JSON answer; lists (multiple choice) count once per choice.
    """
    rows = (
        Assessment.objects.submitted()
        .annotate(value=KT(f"answers__{question['key']}"))
        .filter(value__isnull=False)
        .values("value")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts: dict[str, int] = {}
    for row in rows:
        for key in _choice_keys(question, row["value"]):
            counts[key] = counts.get(key, 0) + row["count"]
    return counts


def _choice_keys(question: dict[str, Any], raw: Any) -> list[str]:
    """The choice keys one stored answer (as the database returns it as text) stands for."""
    text = str(raw)
    if text == UNKNOWN:
        return [UNKNOWN]
    if question["kind"] == "multiple":
        try:
            values = json.loads(text)
        except ValueError:
            values = [text]
        return [str(v) for v in values] if isinstance(values, list) else [str(values)]
    if question["kind"] == "number":
        try:
            number = float(text)
        except ValueError:
            return []
        return [
            c["key"]
            for c in question.get("choices", [])
            if (c.get("lower") is None or number >= c["lower"])
            and (c.get("upper") is None or number < c["upper"])
        ][:1]
    return [text]


# --- Re-scoring ---


def queue_rescore(*, scoring_model: ScoringModel, ids: list[int] | None = None) -> int:
    """Queue re-scoring of scored assessments (``ids``, or all) in chunks; returns the count.

    Each chunk is one ``dashboard.rescore_chunk`` task, sent once the transaction commits.
    """
    rows = Assessment.objects.filter(status=Status.SCORED)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    pks = list(rows.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), RESCORE_CHUNK):
        chunk = pks[start : start + RESCORE_CHUNK]
        enqueue("dashboard.rescore_chunk", chunk, scoring_model.pk)
    return len(pks)


def changed_recommendations() -> QuerySet[Assessment]:
    """Re-scored assessments whose recommendation differs from the previous result."""
    return (
        Assessment.objects.filter(previous_result__isnull=False, result__isnull=False)
        .annotate(
            previous_slug=KT("previous_result__recommendation"),
            current_slug=KT("result__recommendation"),
        )
        .exclude(previous_slug=F("current_slug"))
        .select_related("scoring_model", "previous_scoring_model")
        .order_by("-scored_at", "-pk")
    )


def model_versions() -> list[dict[str, Any]]:
    """How many scored assessments each scoring-model version produced."""
    return list(
        Assessment.objects.filter(status=Status.SCORED)
        .values(version=F("scoring_model__version"))
        .annotate(count=Count("pk"))
        .order_by("-version")
    )


def bookings(*, past: bool) -> QuerySet[Booking]:
    """Bookings for the dashboard: upcoming soonest first, or past ones latest first."""
    now = timezone.now()
    rows = Booking.objects.for_dashboard()
    if past:
        return rows.filter(slot__start__lt=now)
    return rows.filter(slot__start__gte=now).order_by("slot__start", "pk")
