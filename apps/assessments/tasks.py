"""Celery tasks of the assessments app: thin, named, JSON id arguments, safe to run twice."""

import functools
import logging
import smtplib
from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, transaction
from django.db import OperationalError as DatabaseOperationalError
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from apps.assessments.models import Assessment

logger = logging.getLogger(__name__)

# What publishing raises when the broker is down: kombu wraps connection failures in its
# OperationalError; a refused socket may surface as an OSError on some transports.
BROKER_ERRORS: tuple[type[Exception], ...] = (KombuOperationalError, OSError)
# Faults worth a retry: the database went away for a moment.
TRANSIENT_DB_ERRORS: tuple[type[Exception], ...] = (DatabaseOperationalError, InterfaceError)


class OnCommitTask(DjangoTask[Any, Any]):
    """Publishes after commit and logs, rather than raises, a broker outage.

    Celery's ``delay_on_commit`` would raise out of the commit into the web request; the
    row it is about is already saved as pending, and the periodic sweep queues it later.
    """

    # Celery returns None here too; its type stub says AsyncResult.
    def delay_on_commit(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        transaction.on_commit(functools.partial(self._publish_or_log, args, kwargs))

    def _publish_or_log(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        try:
            self.apply_async(args, kwargs)
        except BROKER_ERRORS:
            logger.warning("broker unreachable: %s%r not queued", self.name, args, exc_info=True)


class ScoringTask(OnCommitTask):
    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        # Reached only when the retries for a transient fault are used up.
        from apps.assessments import services

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
    """Scores one submitted assessment. A second run finds the row claimed and does nothing."""
    from apps.assessments import services

    claimed = Assessment.objects.filter(pk=assessment_id, status=Assessment.Status.PENDING).update(
        status=Assessment.Status.SCORING, attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    if claimed != 1:
        return
    try:
        services.score_assessment(assessment_id=assessment_id)
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
    from apps.assessments import services

    ids = services.requeue_stuck()
    if ids:
        logger.info("re-queued %d pending assessments", len(ids))
    return len(ids)


@shared_task(name="assessments.purge_stale_drafts", acks_late=True, time_limit=600)
def purge_stale_drafts(**kwargs: Any) -> int:
    """Nightly: deletes drafts nobody touched within the retention period."""
    from apps.assessments import services

    return services.purge_stale_drafts()


@shared_task(
    name="assessments.send_resume_link",
    base=OnCommitTask,
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
    from apps.assessments import services

    return services.send_resume_link(assessment_id=assessment_id, email=email, token=token)


@shared_task(name="assessments.ping")
def ping(value: Any = None, **kwargs: Any) -> Any:
    """Returns its argument: a round-trip probe that a worker answers (used by the bench)."""
    return value
