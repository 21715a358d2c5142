"""A Celery worker keeps its database connection from task to task, as Django keeps a web
process's between requests: Celery's Django fixup would otherwise close it around every task."""

import time
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.db import connection

from config.celery import app


class _Task:
    """What the receivers read of a task: its request says whether it runs eagerly."""

    def __init__(self, *, eager=False):
        self.request = SimpleNamespace(is_eager=eager)


def _run_around(task):
    # What a worker sends around each task: our receiver and, in a worker, the fixup's.
    fixup = DjangoWorkerFixup(app)
    fixup.on_task_prerun(sender=task)
    task_prerun.send(sender=task, task=task, task_id="t", args=(), kwargs={})
    task_postrun.send(sender=task, task=task, task_id="t", args=(), kwargs={}, retval=None)
    fixup.on_task_postrun(sender=task)


def _fresh_connection() -> object:
    """A connection opened now: one an earlier test on this process opened may be older than
    CONN_MAX_AGE, and closing that one before a task is the behaviour wanted."""
    if connection.vendor != "postgresql":
        pytest.skip("Django never closes an in-memory SQLite database: nothing to tell apart")
    connection.close()
    connection.ensure_connection()
    return connection.connection


@pytest.mark.django_db(transaction=True)
def test_a_healthy_connection_is_kept_between_tasks():
    before = _fresh_connection()

    _run_around(_Task())

    assert connection.connection is before


@pytest.mark.django_db(transaction=True)
def test_a_connection_older_than_its_max_age_is_replaced():
    old = _fresh_connection()
    connection.close_at = time.monotonic() - 1  # opened CONN_MAX_AGE seconds ago

    _run_around(_Task())

    assert connection.connection is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert connection.connection is not old


@pytest.mark.django_db(transaction=True)
def test_an_eager_task_leaves_its_callers_connection_alone():
    connection.ensure_connection()
    before = connection.connection
    connection.errors_occurred = True  # would close it, were the task a worker's

    task = _Task(eager=True)
    task_prerun.send(sender=task, task=task, task_id="t", args=(), kwargs={})

    assert connection.connection is before
    connection.errors_occurred = False


@pytest.mark.django_db(transaction=True)
def test_a_connection_an_error_left_broken_is_replaced():
    if connection.vendor != "postgresql":
        pytest.skip("closing a broken connection behind Django's back is PostgreSQL-specific")
    connection.ensure_connection()
    broken = connection.connection
    broken.close()
    connection.errors_occurred = True

    _run_around(_Task())

    assert connection.connection is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert connection.connection is not broken
