"""Celery application. Tasks run eagerly in-process when no broker is configured."""

import contextlib
import os
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("orchestration_advisor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect(dispatch_uid="config.recycle_connections_before")
@task_postrun.connect(dispatch_uid="config.recycle_connections_after")
def recycle_database_connections(task: Any = None, **kwargs: Any) -> None:
    """What Django does around a request, around each task a worker runs.

    A connection is kept for ``CONN_MAX_AGE`` and checked before reuse; one an error left
    unusable, or older than that, is closed and the next query opens a new one. Never for an
    eager task: it runs inside its caller's request and transaction.
    """
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()


AUTOGROUP = Path("/proc/self/autogroup")


@worker_init.connect(dispatch_uid="config.keep_niceness_across_sessions")
def keep_niceness_across_sessions(**kwargs: Any) -> None:
    """A worker started at a lower CPU priority (the Procfile's ``nice -n 10`` for the PDF
    renders) keeps it against the processes of other sessions.

    With Linux's autogroup scheduling, processes of different sessions share the CPU session
    by session, and a nice value counts only within its own session: a renders worker in a
    session of its own (as a supervisor or container starts it) took as much CPU as the web
    server's whole session. When the worker leads its session, the session's autogroup gets the
    worker's nice value; in a session it shares with others, nothing is changed.
    """
    niceness = os.nice(0)
    if niceness <= 0 or os.getsid(0) != os.getpid():
        return
    # Without autogroup scheduling in this kernel, or when not allowed, the nice value stands.
    with contextlib.suppress(OSError):
        AUTOGROUP.write_text(str(niceness))
