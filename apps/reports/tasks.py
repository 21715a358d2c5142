"""Celery task that renders an assessment's PDF report (queued by ``pdf.queue_render``)."""

import logging
import time
from typing import Any

from celery import Task, shared_task
from django.conf import settings

from . import pdf

logger = logging.getLogger(__name__)

# How often a render that gives way looks at the scoring queue again.
YIELD_POLL_SECONDS = 0.25

# Not failures of the render: the worker is being stopped, and with acks_late the message
# goes back to the queue, so another worker renders the report.
_SHUTDOWN = (SystemExit, KeyboardInterrupt, GeneratorExit)


class RenderError(Exception):
    """A render failed with an error outside ``Exception`` (WeasyPrint's fetch errors)."""


@shared_task(
    name="reports.render_report",
    bind=True,
    acks_late=True,
    max_retries=3,
    soft_time_limit=120,
    time_limit=150,
)
def render_report(
    self: Task[Any, Any], /, assessment_id: int, key: str | None, **kwargs: object
) -> bool:
    """Render and store the report for ``key``; a stale or duplicate run does nothing.

    Without a key (queued right after scoring) the task claims the row first, as
    ``pdf.queue_render`` does, and renders what it claimed; a retry carries that key.

    Storage faults (``OSError``) are transient and retried with backoff; anything else is a
    bug in the data or the template, so the row is marked failed at once. That includes
    errors that are no ``Exception`` (WeasyPrint's ``FatalURLFetchingError``), re-raised as
    ``RenderError`` so Celery records a plain failure; only a worker shutdown passes as is.
    Celery's soft time limit (an ``Exception``) marks the render failed like any other error.
    """
    if not self.request.is_eager:
        give_way_to_scoring()
    if key is None:
        key = pdf.claim_latest(assessment_id=assessment_id)
        if key is None:
            return False
    try:
        return pdf.render_and_store(assessment_id=assessment_id, key=key)
    except OSError as exc:
        if self.request.retries < (self.max_retries or 0):
            countdown = 5 * 2**self.request.retries
            raise self.retry(args=(assessment_id, key), exc=exc, countdown=countdown) from exc
        pdf.mark_failed(assessment_id=assessment_id, key=key)
        raise
    except _SHUTDOWN:
        raise
    except BaseException as exc:
        logger.exception("rendering the report of assessment %s failed", assessment_id)
        pdf.mark_failed(assessment_id=assessment_id, key=key)
        if isinstance(exc, Exception):
            raise
        raise RenderError(repr(exc)) from exc


def give_way_to_scoring() -> float:
    """Waits while scoring is busy (``pdf.scoring_busy``), up to ``REPORTS_YIELD_SECONDS``;
    returns the seconds waited.

    A PDF can wait; a prospect watching "scoring…" should not. On two cores a render at a
    lower CPU priority (the Procfile's ``nice``) still slowed a burst of 200 submissions by
    about half (bench_load), because it runs whenever another process pauses for a moment.
    """
    started = time.monotonic()
    deadline = started + settings.REPORTS_YIELD_SECONDS
    while time.monotonic() < deadline and pdf.scoring_busy():
        time.sleep(YIELD_POLL_SECONDS)
    return time.monotonic() - started
