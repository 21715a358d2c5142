"""Core's periodic task: publish what the broker refused while it was down."""

from typing import Any

from celery import shared_task

from . import queue


@shared_task(name="core.flush_outbox", acks_late=True, ignore_result=True, time_limit=120)
def flush_outbox(**kwargs: Any) -> int:
    """Publishes the outbox (tasks kept while the broker was down); returns how many left it."""
    return queue.flush_outbox()
