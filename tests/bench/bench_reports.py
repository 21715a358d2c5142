"""PDF report and sales dashboard benchmarks (issue 4).

Self-contained: builds a throwaway test database (in-memory SQLite by default, or a
``test_…`` database next to ``DATABASE_URL``), fills it, measures, and drops it.

- PDF render time and size for a real assessment (the fixture questionnaire, a persona's
  answers scored by the engine: 5 options, a risk, sensitivity, what-if), next to a one-page
  plain-text WeasyPrint PDF rendered in turns with it. The target applies to CPU time, as a
  ratio to the one-page PDF's (``PDF_RATIO``): a render is single-threaded and does no I/O,
  so its CPU time is what it takes on a worker of its own; wall time on a busy machine is
  reported too.
- The leads page with 10,000 leads: its query count next to the same page with 10 leads
  (must be equal), and its time as a ratio to the 10-lead page.
"""

import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import (
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)

# Issue 14: 0.5 s of CPU where the one-page PDF took 0.03 s. This shared host's speed drifts by
# half or more within an hour (the one-page PDF took 0.018-0.035 s on one afternoon), so the
# target is held as that ratio to the one-page PDF rendered in the same run, alternately with
# the report, as every other figure here is held to its baseline; the seconds are shown too.
PDF_SECONDS = 0.5
ISSUE_PDF_BASELINE_SECONDS = 0.03
PDF_RATIO = PDF_SECONDS / ISSUE_PDF_BASELINE_SECONDS
PDF_KB = 600
LEADS = 10_000
RUNS = 5


def run() -> list[dict[str, Any]]:
    with _scratch_database():
        return _pdf_rows() + _dashboard_rows()


@contextmanager
def _scratch_database():
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    # An in-memory SQLite test database is shared by name: an earlier bench's rows may still be
    # there (bench_cases seeds the same catalog), so start from empty tables.
    call_command("flush", interactive=False, verbosity=0)
    # Query counts are read from the connection's query log, which keeps the last 9,000: one
    # that an earlier bench filled would grow no more, and every count would read 0.
    connection.queries_log.clear()
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def _median(action: Callable[[], object], runs: int = RUNS) -> float:
    return _timed(action, runs)[0]


def _timed(action: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Median wall and CPU seconds of ``action`` after one warm-up run."""
    action()  # Warm-up: imports, fonts, template compilation.
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def _alternately(
    action: Callable[[], object], baseline: Callable[[], object], runs: int = RUNS
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Median wall and CPU seconds of ``action`` and of ``baseline``, run in turns after one
    warm-up run each, so that both meet the host at the same speed."""
    action()
    baseline()
    samples: dict[Callable[[], object], tuple[list[float], list[float]]] = {
        action: ([], []),
        baseline: ([], []),
    }
    for _ in range(runs):
        for each, (wall, cpu) in samples.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            each()
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    (wall, cpu), (baseline_wall, baseline_cpu) = samples.values()
    return (
        (statistics.median(wall), statistics.median(cpu)),
        (statistics.median(baseline_wall), statistics.median(baseline_cpu)),
    )


def _row(name: str, value: float, unit: str, baseline: float, target: str, ok: bool | None) -> dict:
    ratio = value / baseline if baseline else None
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "ratio": ratio,
        "target": target,
        "ok": ok,
    }


# --- PDF ---


def _pdf_rows() -> list[dict[str, Any]]:
    from weasyprint import HTML

    from apps.reports import pdf as reports
    from tests.reports.factories import make_assessment, make_catalog, make_scoring_model

    make_catalog()
    # Scoring would queue a render of its own (eager outside a worker): only measured ones here.
    with override_settings(REPORTS_RENDER_AFTER_SCORING=False):
        assessment, _ = make_assessment(scoring_model=make_scoring_model())
    plain = "<p>" + "Orchestration Advisor plain text baseline. " * 40 + "</p>"

    pdf = reports.render_pdf(assessment, show_contact=True)
    baseline_pdf = HTML(string=plain).write_pdf()
    (wall, cpu), (baseline_wall, baseline_cpu) = _alternately(
        lambda: reports.render_pdf(assessment, show_contact=True),
        lambda: HTML(string=plain).write_pdf(),
    )
    kb, baseline_kb = len(pdf) / 1024, len(baseline_pdf) / 1024
    target = f"≤ {PDF_RATIO:.1f}× ({PDF_SECONDS} s at {ISSUE_PDF_BASELINE_SECONDS} s)"
    found, wanted = _searchable(pdf, assessment)
    return [
        _row(
            "PDF report render, CPU time",
            cpu,
            "s",
            baseline_cpu,
            target,
            cpu / baseline_cpu <= PDF_RATIO,
        ),
        _row(
            "PDF report text searchable (phrases found; baseline: looked for)",
            found,
            "",
            wanted,
            "all",
            found == wanted,
        ),
        _row("PDF report render, wall time", wall, "s", baseline_wall, "report", None),
        _row("PDF report size", kb, "KB", baseline_kb, f"≤ {PDF_KB} KB", kb <= PDF_KB),
    ]


def _searchable(pdf: bytes, assessment: Any) -> tuple[int, int]:
    """How many of the report's phrases a PDF reader's text search finds, of how many."""
    import io

    from pypdf import PdfReader

    text = " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    options = assessment.scoring_model.snapshot["options"]
    phrases = [option["name"] for option in options]
    phrases += ["Fit (0–100)", str(assessment.company or ""), "Risks"]
    phrases = [p for p in phrases if p]
    return sum(phrase in text for phrase in phrases), len(phrases)


# --- Dashboard ---


def _dashboard_rows() -> list[dict[str, Any]]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.create_user("bench-boss", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)

    _add_leads(10)
    queries_10, seconds_10 = _measure_leads_page(client)
    _add_leads(LEADS - 10)
    queries_many, seconds_many = _measure_leads_page(client)
    return [
        _row(
            f"Leads page queries, {LEADS:,} leads",
            queries_many,
            "queries",
            queries_10,
            "= 10-lead page",
            queries_many == queries_10,
        ),
        _row(f"Leads page time, {LEADS:,} leads", seconds_many, "s", seconds_10, "report", None),
    ]


def _measure_leads_page(client: Any) -> tuple[int, float]:
    def fetch() -> None:
        response = client.get("/dashboard/", {"sort": "-fit"})
        assert response.status_code == 200, response.status_code

    with CaptureQueriesContext(connection) as captured:
        fetch()
    return len(captured), _median(fetch)


def _add_leads(count: int) -> None:
    """Leads with the personas' answers, each carrying the engine's result for them."""
    from django.utils import timezone

    from apps.assessments.models import Assessment
    from apps.catalog.models import Technology
    from apps.core.tokens import new_token
    from apps.questionnaire.models import ScoringModel
    from tests.questionnaire.personas import PERSONAS
    from tests.reports.factories import engine_result

    model = ScoringModel.objects.latest_published()
    scored = [(answers, engine_result(model, answers)) for _, answers in PERSONAS.values()]
    options = {t.slug: t for t in Technology.objects.options()}
    now = timezone.now()
    rows = []
    for n in range(count):
        answers, result = scored[n % len(scored)]
        slug = result["recommendation"]
        rows.append(
            Assessment(
                token_hash=new_token()[1],
                status=Assessment.Status.SCORED,
                answers=answers,
                company=f"Company {n}",
                contact_name=f"Contact {n}",
                contact_email=f"lead{n}@example.org",
                consent=True,
                scoring_model=model,
                result=result,
                recommendation=options[slug],
                fit=result["scores"][slug]["fit"],
                confidence=result["confidence"],
                submitted_at=now - timedelta(minutes=n),
                scored_at=now - timedelta(minutes=n),
            )
        )
    rows = Assessment.objects.bulk_create(rows, batch_size=1000)
    _add_bookings(rows[::7])


def _add_bookings(leads: list) -> None:
    from tests.dashboard.bookings import make_booking

    for lead in leads[:200]:
        make_booking(assessment=lead)
