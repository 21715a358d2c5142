"""The PDF report: built from the stored result, rendered by WeasyPrint, kept in file storage.

Two variants are rendered together: the full one for the prospect and sales (company and
contact on the cover) and the shared one for share links (no contact data). The full file
is ``Assessment.report_pdf``; the shared file sits next to it with a ``-shared`` suffix.
A render is cached under ``Assessment.report_key`` until the answers, the model version or
the result change.
"""

import base64
import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.assessments.models import Assessment
from apps.catalog.models import Feature, Rating, Technology
from apps.core.queue import enqueue
from apps.questionnaire.models import UNKNOWN

logger = logging.getLogger(__name__)

# Bump when the report's layout changes, so every cached PDF is rendered again.
REPORT_LAYOUT = 1
# A render still marked "rendering" after this long was lost (worker died, broker down).
RENDER_STALE_AFTER = timedelta(minutes=5)
MATRIX_CONTRIBUTIONS = 12
MATRIX_ROWS = 8
REASONS = 6
LEVEL_ORDER = {"high": 0, "medium": 1, "low": 2}

Status = Assessment.ReportStatus


# --- Cache key and state ---


def report_key(assessment: Assessment) -> str:
    """The cache key of the report: answers, model version, result and layout, hashed."""
    result = assessment.result or {}
    result_checksum = hashlib.sha256(_canonical(result).encode()).hexdigest()
    parts = [
        _canonical(assessment.answers),
        str(result.get("model_version", "")),
        result_checksum,
        str(REPORT_LAYOUT),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def is_report_current(assessment: Assessment) -> bool:
    """True when the stored PDF matches the assessment as it is now."""
    return (
        assessment.report_status == Status.READY
        and bool(assessment.report_pdf)
        and assessment.report_key == report_key(assessment)
    )


def queue_render(assessment: Assessment) -> bool:
    """Queue the PDF render unless the stored one is current or a render is under way.

    Claims the row by compare-and-set (status "rendering" with the new key), so concurrent
    callers queue one task; a render stuck longer than ``RENDER_STALE_AFTER`` is queued
    again. Returns True when a task was queued (it runs once the transaction commits).
    """
    if not assessment.is_scored() or is_report_current(assessment):
        return False
    key = report_key(assessment)
    now = timezone.now()
    in_progress = Q(
        report_status=Status.RENDERING, report_key=key, updated_at__gte=now - RENDER_STALE_AFTER
    )
    # Another process may have finished this very render since ``assessment`` was loaded.
    done = Q(report_status=Status.READY, report_key=key) & ~Q(report_pdf="")
    claimed = (
        Assessment.objects.filter(pk=assessment.pk, status=Assessment.Status.SCORED)
        .exclude(in_progress | done)
        .update(report_status=Status.RENDERING, report_key=key, updated_at=now)
    )
    if claimed != 1:
        return False
    assessment.report_status, assessment.report_key = Status.RENDERING, key
    enqueue("reports.render_report", assessment.pk, key)
    return True


def render_and_store(*, assessment_id: int, key: str) -> bool:
    """Render both variants for ``key`` and store them; False when the work is stale.

    Stale means the row is gone, its key moved on (answers or model changed meanwhile) or
    another run finished first: the files this run wrote are then removed again.
    """
    assessment = (
        Assessment.objects.select_related("scoring_model")
        .filter(pk=assessment_id, report_status=Status.RENDERING, report_key=key)
        .first()
    )
    if assessment is None or report_key(assessment) != key:
        return False
    old_name = assessment.report_pdf.name
    # Both variants show the same charts: draw them once.
    charts = chart_svgs(assessment)
    full = render_pdf(assessment, show_contact=True, charts=charts)
    shared = render_pdf(assessment, show_contact=False, charts=charts)
    assessment.report_pdf.save(
        f"assessment-{assessment.pk}-{key[:16]}.pdf", ContentFile(full), save=False
    )
    name = assessment.report_pdf.name
    _save_exactly(shared_name(name), shared)
    finished = Assessment.objects.filter(
        pk=assessment_id, report_status=Status.RENDERING, report_key=key
    ).update(report_status=Status.READY, report_pdf=name, updated_at=timezone.now())
    if finished != 1:
        delete_files(name)
        return False
    if old_name and old_name != name:
        delete_files(old_name)
    return True


def mark_failed(*, assessment_id: int, key: str) -> None:
    """Record that the render for ``key`` failed (unless a newer render took over)."""
    Assessment.objects.filter(
        pk=assessment_id, report_status=Status.RENDERING, report_key=key
    ).update(report_status=Status.FAILED, updated_at=timezone.now())


def forget_missing(assessment: Assessment) -> None:
    """The stored file is gone (storage wiped or moved): mark the report for a new render."""
    Assessment.objects.filter(
        pk=assessment.pk, report_status=Status.READY, report_key=assessment.report_key
    ).update(report_status=Status.NONE, updated_at=timezone.now())
    assessment.report_status = Status.NONE


def delete_report_files(assessment: Assessment) -> None:
    """Remove both stored PDF variants of an assessment from storage."""
    if assessment.report_pdf.name:
        delete_files(assessment.report_pdf.name)


def shared_name(name: str) -> str:
    """Storage name of the shared (contact-free) variant next to the full one."""
    return name.removesuffix(".pdf") + "-shared.pdf"


def stored_name(assessment: Assessment, *, show_contact: bool) -> str:
    """Storage name of the variant to serve."""
    name = assessment.report_pdf.name
    return name if show_contact else shared_name(name)


def download_filename(assessment: Assessment, *, show_contact: bool) -> str:
    """A readable file name: company (full variant only) and the date of the result."""
    when = (assessment.scored_at or timezone.now()).date().isoformat()
    company = slugify(assessment.company)[:40] if show_contact else ""
    return "-".join(part for part in ("orchestration-report", company, when) if part) + ".pdf"


def _save_exactly(name: str, content: bytes) -> None:
    if default_storage.exists(name):
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(content))
    if saved != name:
        default_storage.delete(saved)
        raise OSError(f"storage stored {name!r} as {saved!r}")


def delete_files(name: str) -> None:
    """Remove both variants stored under ``name`` (the full file's name)."""
    for each in (name, shared_name(name)):
        default_storage.delete(each)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- Rendering ---


def render_pdf(
    assessment: Assessment, *, show_contact: bool, charts: dict[str, Any] | None = None
) -> bytes:
    """The report as PDF bytes (WeasyPrint, print CSS, SVG charts)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(
        "assessments/report_pdf.html",
        report_context(assessment, show_contact=show_contact, charts=charts),
    )
    # Charts arrive as data: URIs; the report never loads anything from disk or the network.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher)
    return bytes(document.write_pdf())


def chart_svgs(assessment: Assessment) -> dict[str, Any]:
    """The report's charts as SVG (see ``pdf_charts.report_svgs``)."""
    # Imported here: matplotlib costs every process that merely imports this module a second.
    from . import pdf_charts

    snapshot = assessment.scoring_model.snapshot if assessment.scoring_model else {}
    return pdf_charts.report_svgs(assessment.result or {}, snapshot.get("options", []))


def report_context(
    assessment: Assessment, *, show_contact: bool, charts: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Everything the PDF template shows, computed from the stored result and snapshot."""
    result = assessment.result or {}
    snapshot = assessment.scoring_model.snapshot if assessment.scoring_model else {}
    options = snapshot.get("options", [])
    by_slug = {option["slug"]: option for option in options}
    recommended = by_slug.get(result.get("recommendation"), {})
    charts = charts or chart_svgs(assessment)
    return {
        "assessment": assessment,
        "result": result,
        "show_contact": show_contact,
        "recommended": recommended,
        "runner_up": by_slug.get(result.get("runner_up"), {}),
        "fit": result.get("scores", {}).get(recommended.get("slug"), {}).get("fit"),
        "confidence_pct": round(100 * float(result.get("confidence") or 0)),
        "confidence_label": confidence_label(result.get("confidence_label", "")),
        "scores": score_rows(result, options),
        "reasons_for": reasons(result, positive=True),
        "reasons_against": reasons(result, positive=False),
        "risks": sorted(result.get("risks", []), key=lambda r: LEVEL_ORDER.get(r["level"], 9)),
        "sensitivity": sensitivity_rows(result, by_slug),
        "answers": answer_rows(snapshot, assessment.answers),
        "unknown": unknown_questions(snapshot, result),
        "matrix": matrix_rows(result, options),
        "fit_chart": _data_uri(charts["fit"]),
        "what_if": [
            {"question_text": each["question_text"], "chart": _data_uri(each["svg"])}
            for each in charts["what_if"]
        ],
        "booking_url": settings.SITE_URL + reverse("booking:index"),
        "site_url": settings.SITE_URL,
        "created": assessment.scored_at or timezone.now(),
        "keywords": ", ".join(option["name"] for option in options),
    }


def confidence_label(label: str) -> str:
    return {"high": _("high"), "medium": _("medium"), "low": _("low")}.get(label, label)


def score_rows(result: dict[str, Any], options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Options with their fit and points, best first."""
    scores = result.get("scores", {})
    rows = [
        {"option": option, **scores[option["slug"]]}
        for option in options
        if option["slug"] in scores
    ]
    return sorted(rows, key=lambda row: row["rank"])


def reasons(result: dict[str, Any], *, positive: bool) -> list[dict[str, Any]]:
    """The answers that spoke most for (or against) the recommended option."""
    slug = result.get("recommendation")
    rows = [
        c
        for c in result.get("contributions", [])
        if c["option"] == slug and (c["points"] > 0 if positive else c["points"] < 0)
    ]
    return sorted(rows, key=lambda c: -abs(c["points"]))[:REASONS]


def sensitivity_rows(
    result: dict[str, Any], by_slug: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each sensitive question with the alternatives' recommendations named."""
    return [
        {
            **row,
            "alternatives": [
                {
                    **alt,
                    "name": by_slug.get(alt["recommendation"], {}).get(
                        "name", alt["recommendation"]
                    ),
                }
                for alt in row.get("alternatives", [])
            ],
        }
        for row in result.get("sensitivity", [])
    ]


def answer_rows(snapshot: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers given, by section: question text and answer label, from the snapshot."""
    sections = []
    for section in snapshot.get("sections", []):
        rows = [
            {"key": q["key"], "question": q["text"], "answer": answer_label(q, answers[q["key"]])}
            for q in section.get("questions", [])
            if q["key"] in answers
        ]
        if rows:
            sections.append({"title": section["title"], "rows": rows})
    return sections


def answer_label(question: dict[str, Any], value: Any) -> str:
    """How an answer reads: choice labels, a number with its unit, or "Don't know"."""
    if value == UNKNOWN:
        return _("Don't know")
    labels = {choice["key"]: choice["label"] for choice in question.get("choices", [])}
    if question["kind"] == "multiple" and isinstance(value, list):
        return ", ".join(labels.get(str(key), str(key)) for key in value)
    if question["kind"] == "number" and isinstance(value, int | float):
        shown = number_format(
            value, decimal_pos=None if float(value) % 1 else 0, force_grouping=True
        )
        return f"{shown} {question.get('unit') or ''}".strip()
    return labels.get(str(value), str(value))


def unknown_questions(snapshot: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Texts of the questions answered "don't know"."""
    texts = {
        q["key"]: q["text"] for s in snapshot.get("sections", []) for q in s.get("questions", [])
    }
    return [texts.get(key, key) for key in result.get("unknown", [])]


def matrix_rows(result: dict[str, Any], options: list[dict[str, Any]]) -> dict[str, Any]:
    """The matrix rows (at most ``MATRIX_ROWS``) the top contributions rest on, with cells.

    Four queries whatever the number of rows: technologies, features, cells, sources.
    """
    top = sorted(result.get("contributions", []), key=lambda c: -abs(c["points"]))
    slugs = list(
        dict.fromkeys(c["feature"] for c in top[:MATRIX_CONTRIBUTIONS] if c.get("feature"))
    )[:MATRIX_ROWS]
    if not slugs:
        return {"columns": [], "rows": []}
    order = [option["slug"] for option in options]
    technologies = sorted(
        Technology.objects.for_slugs(order), key=lambda tech: order.index(tech.slug)
    )
    rows = []
    for feature in Feature.objects.filter(slug__in=slugs).for_matrix(technologies):
        cells = {cell.technology.slug: cell for cell in feature.cells.all()}
        rows.append(
            {
                "feature": feature,
                "cells": [
                    {
                        "technology": tech,
                        "cell": cells.get(tech.slug),
                        "rating": Rating(cells[tech.slug].rating) if tech.slug in cells else None,
                    }
                    for tech in technologies
                ],
            }
        )
    return {"columns": technologies, "rows": rows}


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
