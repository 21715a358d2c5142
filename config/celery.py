"""Celery application. Tasks run eagerly in-process when no broker is configured."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun
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
