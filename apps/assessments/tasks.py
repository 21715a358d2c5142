"""Celery tasks of the assessments app: thin, named, JSON id arguments, safe to run twice.

Tasks call services; services queue tasks by name through ``apps.core.queue.enqueue``.
"""

import logging
import smtplib
from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, transaction
from django.db import OperationalError as DatabaseOperationalError

from apps.assessments import services

logger = logging.getLogger(__name__)

# Faults worth a retry: the database went away for a moment.
TRANSIENT_DB_ERRORS: tuple[type[Exception], ...] = (DatabaseOperationalError, InterfaceError)


class ScoringTask(DjangoTask[Any, Any]):
    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        # Reached only when the retries for a transient fault are used up.
        if args:
            services.mark_failed(assessment_id=args[0], exc=exc)


@shared_task(
    name="assessments.score",
    base=ScoringTask,
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=30,
    time_limit=45,
)
def score(assessment_id: int, **kwargs: Any) -> None:
    """Scores one submitted assessment. A second run finds the row claimed and does nothing.

    The claim is one statement in its own transaction that also reads the row, counted in
    ``attempts`` (a row that kills its worker fails after ``MAX_ATTEMPTS``). The result is a
    second transaction. Neither commit waits for the disk (``relaxed_commit``): if the database
    server loses one in a crash, the row is "pending" or "scoring" again and the sweep
    re-queues it.
    The PDF is claimed and rendered by the reports worker (``reports.render_report``).
    """
    claimed = services.claim_for_scoring(assessment_id=assessment_id)
    if claimed is None:
        return
    try:
        with transaction.atomic():
            services.score_loaded(assessment=claimed, relaxed=True)
    except TRANSIENT_DB_ERRORS:
        services.release_claim(assessment_id=assessment_id)
        raise
    except Exception as exc:
        # Includes the soft time limit. Not transient: a retry would fail the same way.
        logger.exception("scoring assessment %s failed", assessment_id)
        services.mark_failed(assessment_id=assessment_id, exc=exc)


@shared_task(name="assessments.requeue_pending", acks_late=True, time_limit=120)
def requeue_pending(**kwargs: Any) -> int:
    """Periodic sweep: queues again the assessments whose scoring task was lost."""
    ids = services.requeue_stuck()
    if ids:
        logger.info("re-queued %d pending assessments", len(ids))
    return len(ids)


@shared_task(name="assessments.purge_stale_drafts", acks_late=True, time_limit=600)
def purge_stale_drafts(**kwargs: Any) -> int:
    """Nightly: deletes drafts nobody touched within the retention period."""
    return services.purge_stale_drafts()


@shared_task(
    name="assessments.send_resume_link",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
    soft_time_limit=30,
    time_limit=45,
)
def send_resume_link(assessment_id: int, email: str, token: str, **kwargs: Any) -> bool:
    """E-mails a prospect the private link to their assessment."""
    return services.send_resume_link(assessment_id=assessment_id, email=email, token=token)


@shared_task(name="assessments.ping")
def ping(value: Any = None, **kwargs: Any) -> Any:
    """Returns its argument: a round-trip probe that a worker answers (used by the bench)."""
    return value
