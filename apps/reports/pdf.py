"""The PDF report: built from the stored result, rendered by WeasyPrint, kept in file storage.

Two variants are rendered together: the full one for the prospect and sales (company and
contact on the cover) and the shared one for share links (no contact data). The full file
is ``Assessment.report_pdf``; the shared file sits next to it with a ``-shared`` suffix.
A render is cached under ``Assessment.report_key`` until the answers, the model version or
the result change.
"""

import base64
import gc
import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cache
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from apps.assessments.models import Assessment
from apps.core.queue import enqueue, waiting

from .builder import build_report

logger = logging.getLogger(__name__)

# Bump when the report's layout changes, so every cached PDF is rendered again.
REPORT_LAYOUT = 3
# A render still marked "rendering" after this long was lost (worker died, broker down).
RENDER_STALE_AFTER = timedelta(minutes=5)
# A render also waits until no submission has come in for this long: in a burst the web takes
# submissions for seconds while the scoring worker keeps its own queue short.
QUIET_SECONDS = 2.0

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

    Claims the row first (``claim_render``), so concurrent callers queue one task. Returns
    True when a task was queued (it runs once the transaction commits).
    """
    key = claim_render(assessment)
    if key is None:
        return False
    enqueue("reports.render_report", assessment.pk, key)
    return True


def queue_render_after_scoring(assessment: Assessment) -> None:
    """Queue a render that claims the row itself, in the reports worker (``claim_latest``).

    Scoring stays one statement shorter: neither the cache key (a hash of the whole result)
    nor the claim is computed in the scoring transaction.
    """
    enqueue("reports.render_report", assessment.pk, None)


def claim_render(assessment: Assessment) -> str | None:
    """Marks the row "rendering" with its current key, unless the stored report is current or
    a render of that key is under way; returns the key claimed.

    A compare-and-set, so of concurrent callers one wins; a render stuck longer than
    ``RENDER_STALE_AFTER`` may be claimed again.
    """
    if not assessment.is_scored() or is_report_current(assessment):
        return None
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
        return None
    assessment.report_status, assessment.report_key = Status.RENDERING, key
    return key


def claim_latest(*, assessment_id: int) -> str | None:
    """``claim_render`` for the row as it is now; None when it is gone or needs no render."""
    assessment = Assessment.objects.filter(pk=assessment_id).first()
    return None if assessment is None else claim_render(assessment)


def scoring_busy() -> bool:
    """Prospects are waiting or arriving: messages wait in the scoring queue, or a submission
    came in within the last ``QUIET_SECONDS``."""
    if waiting(current_app.conf.task_default_queue):
        return True
    since = timezone.now() - timedelta(seconds=QUIET_SECONDS)
    return Assessment.objects.filter(submitted_at__gte=since).exists()


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
    html = render_to_string(
        "reports/report_pdf.html",
        report_context(assessment, show_contact=show_contact, charts=charts),
    )
    with _collecting_own_garbage():
        return _write_pdf(html)


def _write_pdf(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Charts arrive as data: URIs; the report never loads anything from disk or the network.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher)
    return bytes(document.write_pdf(stylesheets=[_stylesheet()], font_config=_fonts()))


@cache
def _stylesheet() -> Any:
    """The report's print CSS, parsed once per process (it holds no template variables)."""
    from weasyprint import CSS

    return CSS(string=render_to_string("reports/report_pdf.css"))


_thread = threading.local()


def _fonts() -> Any:
    """This thread's WeasyPrint font configuration, kept from one render to the next.

    A new one loads fontconfig's configuration and font list again and starts with empty font
    and shaping caches; Pango's font map is not thread-safe, hence one per thread.
    """
    from weasyprint.text.fonts import FontConfiguration

    if not hasattr(_thread, "fonts"):
        _thread.fonts = FontConfiguration()
    return _thread.fonts


@contextmanager
def _collecting_own_garbage() -> Iterator[None]:
    """Cyclic garbage collection during a render looks at the render's own objects only.

    A render allocates enough for Python to start a full collection, which walks every object
    of the process (Django, the catalog, the worker): a third of a render's CPU time. The
    objects from before are set aside (``gc.freeze``), the render's garbage is collected at its
    end, and the objects set aside are handed back (``gc.unfreeze``). Objects someone else
    froze (a server's pre-fork freeze) stay frozen: the render then runs as it is.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
        gc.collect()
    finally:
        gc.unfreeze()


def chart_svgs(assessment: Assessment) -> dict[str, Any]:
    """The report's charts as SVG: the result page's own drawings (``svg_charts``).

    One ``what_if`` per number question. Small, flat SVG with text as text: it costs
    WeasyPrint a fraction of what a plotting library's output does, and stays searchable. The
    fits need no chart: the table of scores draws each option's bar as a box.
    """
    from . import svg_charts

    snapshot = assessment.scoring_model.snapshot if assessment.scoring_model else {}
    options = snapshot.get("options", [])
    result = assessment.result or {}
    return {
        "what_if": [
            {"question_text": each["question_text"], "svg": str(each["svg"])}
            for each in svg_charts.what_if_svgs(
                result, options, font=svg_charts.PDF_FONT, captioned=True
            )
        ],
    }


def report_context(
    assessment: Assessment, *, show_contact: bool, charts: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What the PDF template shows: the report (``builder.build_report``) and its SVG charts."""
    report = build_report(assessment, show_contact=show_contact)
    charts = charts or chart_svgs(assessment)
    return {
        "assessment": assessment,
        "report": report,
        "show_contact": show_contact,
        "what_if": [
            {"question_text": each["question_text"], "chart": _data_uri(each["svg"])}
            for each in charts["what_if"]
        ],
        "booking_url": settings.SITE_URL + reverse("booking:index"),
        "site_url": settings.SITE_URL,
        "keywords": ", ".join(option.name for option in report.ranking),
    }


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
