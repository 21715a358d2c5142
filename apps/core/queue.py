"""The one way services hand work to Celery: by task name, after commit, never raising.

Services call ``enqueue("assessments.score", pk)``; tasks import services, never the other
way round, so no app has an import cycle between the two. The task is published once the
surrounding transaction commits (at once outside a transaction), so a worker never looks for
a row that is not there yet. Work that one run can do for many changes (the notifications'
fan-out) is queued with ``enqueue_once``: one run per burst. The request id travels with the
message (``apps.core.logging`` adds it to every task's headers).

When the broker is down the visitor's request has already saved its row, so publishing never
raises: the task goes to the outbox (``OutboxMessage``, a row in the database) and the beat
task ``core.flush_outbox`` publishes it once the broker is back. The outbox is written only
when publishing fails, so in normal operation it costs nothing and holds nothing. Tasks are
safe to run twice (they claim their row), so a message published both from the outbox and by
a sweep (``assessments.requeue_pending``) does its work once.
"""

import functools
import logging
import threading
from typing import Any

from celery import current_app
from django.core.cache import cache
from django.db import DatabaseError, transaction
from kombu.exceptions import OperationalError as KombuOperationalError

from .models import OutboxMessage

logger = logging.getLogger(__name__)

# What publishing raises when the broker is down: kombu wraps connection failures in its
# OperationalError; a refused socket may surface as an OSError on some transports.
BROKER_ERRORS: tuple[type[Exception], ...] = (KombuOperationalError, OSError)
# How many outbox messages one flush publishes; the next beat takes the rest.
FLUSH_BATCH = 500
# ``enqueue_once``: the mark that a coalesced run is queued, and its longest life.
COALESCE_PREFIX = "queue:queued:"
COALESCE_SECONDS = 60


def enqueue(
    task_name: str, *args: Any, _options: dict[str, Any] | None = None, **kwargs: Any
) -> None:
    """Queue the task named ``task_name`` once the current transaction commits.

    ``_options`` are passed to ``apply_async`` (priority, queue, countdown). Arguments must be
    JSON: ids, strings, numbers.
    """
    transaction.on_commit(functools.partial(publish, task_name, args, kwargs, _options or {}))


def enqueue_once(task_name: str, *, key: str, ttl: int = COALESCE_SECONDS) -> None:
    """Queue the argument-less task ``task_name`` after commit, unless a run of it is queued
    already and has not started: a burst of changes makes one run, not one per change.

    The run calls ``starting(key)`` before it reads its work, so work committed after that
    read queues another run. The mark is a cache entry that lives ``ttl`` seconds at most: a
    run lost before it started delays the work that long, or until a periodic run of the same
    task. A cache not shared between processes (development's in-memory one) coalesces within
    each process only, and the periodic run picks up what another process's mark held back.

    No countdown: a worker holds a delayed message unacknowledged, and kombu's Redis transport
    failed to hand such messages back when Redis went away; the worker stopped for good in
    the fault tests (``AttributeError`` in ``restore_unacked``).
    """
    transaction.on_commit(functools.partial(_publish_once, task_name, key, ttl))


def starting(key: str) -> None:
    """Called by a coalesced run before it reads its work (see ``enqueue_once``)."""
    cache.delete(COALESCE_PREFIX + key)


def _publish_once(task_name: str, key: str, ttl: int) -> None:
    # After commit: the change this run is for is visible to it. An unreachable cache answers
    # as an empty one (apps.core.cache), so the run is then queued.
    if cache.add(COALESCE_PREFIX + key, True, ttl):
        publish(task_name, (), {}, {})


def publish(
    task_name: str, args: tuple[Any, ...], kwargs: dict[str, Any], options: dict[str, Any]
) -> bool:
    """Publish now; True when the broker took it, False when it went to the outbox instead."""
    try:
        _send(_task(task_name), args, kwargs, options)
    except BROKER_ERRORS:
        logger.warning("broker unreachable: %s%r kept in the outbox", task_name, args)
        _keep(task_name, args, kwargs, options)
        return False
    return True


def flush_outbox(*, limit: int = FLUSH_BATCH) -> int:
    """Publishes the oldest outbox messages and deletes them; returns how many left the outbox.

    Rows are locked (skipping rows another flush holds) so two flushes never publish the same
    message. Stops at the first broker error: the rest wait for the next flush.
    """
    done: list[int] = []
    with transaction.atomic():
        for message in OutboxMessage.objects.select_for_update(skip_locked=True).oldest(limit):
            try:
                task = _task(message.task)
            except KeyError:
                # Renamed or removed by a deployment while its message waited: nothing runs it.
                logger.error(
                    "outbox: no task named %s, message %s dropped", message.task, message.pk
                )
                done.append(message.pk)
                continue
            try:
                _send(task, message.args, message.kwargs, message.options)
            except BROKER_ERRORS:
                logger.warning("broker still unreachable: outbox messages wait")
                break
            done.append(message.pk)
        OutboxMessage.objects.filter(pk__in=done).delete()
    return len(done)


def waiting(queue: str) -> int:
    """How many messages wait in ``queue`` on the broker (not those a worker already holds).

    Advisory, so it never raises: 0 when tasks run eagerly, when the queue was never declared
    and when the broker does not answer.
    """
    if current_app.conf.task_always_eager:
        return 0
    try:
        # The app's pool of broker connections (typed as a producer pool by celery-types).
        pool: Any = current_app.pool
        with pool.acquire(block=True, timeout=2) as connection:
            declared = connection.default_channel.queue_declare(queue=queue, passive=True)
            return int(declared.message_count)
    except Exception:
        # Redis answers a passive declaration of an empty queue with "not found".
        logger.debug("queue %s: length unknown", queue, exc_info=True)
        return 0


def _send(task: Any, args: Any, kwargs: dict[str, Any], options: dict[str, Any]) -> None:
    # Nobody waits for the result of queued work. Without ``ignore_result`` a Redis result
    # backend subscribes to the result first, and with Redis down that retries for 20 s and
    # raises RuntimeError ("the Celery application must be restarted"), not a broker error.
    task.apply_async(args, kwargs, **{"ignore_result": True, **options})


def _keep(
    task_name: str, args: tuple[Any, ...], kwargs: dict[str, Any], options: dict[str, Any]
) -> None:
    try:
        OutboxMessage.objects.create(
            task=task_name, args=list(args), kwargs=kwargs, options=options
        )
    except DatabaseError:
        # The request has committed its own rows; failing it now would tell the visitor a
        # saved action failed. Submissions are still swept; anything else is lost, loudly.
        logger.exception("broker and database unreachable: %s%r lost", task_name, args)


_DISCOVERY = threading.Lock()


def _task(name: str) -> Any:
    """The registered task; a web process imports the apps' task modules on first use."""
    if name not in current_app.tasks:
        # Celery autodiscovers ``tasks.py`` of every installed app when its default modules
        # are imported, which a worker does at start and a web process never does by itself.
        # One thread at a time: two threads importing task modules that import each other's
        # apps could otherwise see a module half-imported and its task not yet registered.
        with _DISCOVERY:
            if name not in current_app.tasks:
                current_app.loader.import_default_modules()
    return current_app.tasks[name]
