"""The one way services hand work to Celery: by task name, after commit, never raising.

Services call ``enqueue("assessments.score", pk)``; tasks import services, never the other
way round, so no app has an import cycle between the two. The task is published once the
surrounding transaction commits (at once outside a transaction), so a worker never looks for
a row that is not there yet. When the broker is down the failure is logged, not raised: the
visitor's request has already saved its row, and the periodic sweeps queue it again. The
request id travels with the message (``apps.core.logging`` adds it to every task's headers).
"""

import functools
import logging
from typing import Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError

logger = logging.getLogger(__name__)

# What publishing raises when the broker is down: kombu wraps connection failures in its
# OperationalError; a refused socket may surface as an OSError on some transports.
BROKER_ERRORS: tuple[type[Exception], ...] = (KombuOperationalError, OSError)


def enqueue(task_name: str, *args: Any, _options: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Queue the task named ``task_name`` once the current transaction commits.

    ``_options`` are passed to ``apply_async`` (priority, queue, countdown). Arguments must be
    JSON: ids, strings, numbers.
    """
    transaction.on_commit(functools.partial(publish, task_name, args, kwargs, _options or {}))


def publish(
    task_name: str, args: tuple[Any, ...], kwargs: dict[str, Any], options: dict[str, Any]
) -> bool:
    """Publish now; True when the broker took it, False (logged) when it is unreachable."""
    task = _task(task_name)
    try:
        task.apply_async(args, kwargs, **options)
    except BROKER_ERRORS:
        logger.warning("broker unreachable: %s%r not queued", task_name, args, exc_info=True)
        return False
    return True


def _task(name: str) -> Any:
    """The registered task; a web process imports the apps' task modules on first use."""
    if name not in current_app.tasks:
        # Celery autodiscovers ``tasks.py`` of every installed app when its default modules
        # are imported, which a worker does at start and a web process never does by itself.
        current_app.loader.import_default_modules()
    return current_app.tasks[name]
