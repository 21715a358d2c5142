"""The queue layout: a burst of scoring waits neither behind PDF renders (a queue of their
own) nor behind what follows from it for Sales (the default queue's background priority)."""

import os
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings

from apps.core import queue
from config.celery import app
from tests.assessments.worker import broker_reachable, publishing_to, unique_queue


def _route(task_name: str) -> dict[str, Any]:
    return dict(app.amqp.router.route({}, task_name, (), {}))


def _queue(task_name: str) -> str:
    return str(_route(task_name)["queue"].name)


def test_renders_go_to_the_reports_queue_and_scoring_stays_on_the_default_one() -> None:
    assert _queue("reports.render_report") == settings.REPORTS_QUEUE == "reports"
    assert _queue("assessments.score") == app.conf.task_default_queue == "celery"


def test_the_procfile_runs_a_worker_per_queue() -> None:
    lines = dict(
        line.split(": ", 1)
        for line in (Path(settings.BASE_DIR) / "Procfile").read_text().splitlines()
        if line
    )

    assert "-Q celery " in lines["worker"]
    assert "-Q reports " in lines["reports"]
    assert lines["reports"].startswith("nice -n 10 ")


@pytest.mark.parametrize(
    "task_name",
    ["notifications.dispatch_events", "notifications.send_instant", "dashboard.rescore_chunk"],
)
def test_what_follows_for_sales_waits_behind_scoring_on_the_default_queue(task_name: str) -> None:
    assert "queue" not in _route(task_name)  # the default one
    assert _route(task_name)["priority"] == settings.BACKGROUND_PRIORITY == 9
    assert "priority" not in _route("assessments.score")  # 0, served first


@pytest.mark.integration
@pytest.mark.django_db
def test_a_worker_takes_the_scoring_before_a_notification_published_earlier() -> None:
    broker = os.environ.get("INTEGRATION_BROKER_URL", "")
    if not broker or not broker_reachable(broker):
        if os.environ.get("INTEGRATION_REQUIRED") == "1":
            pytest.fail("needs Redis at INTEGRATION_BROKER_URL")
        pytest.skip("needs Redis at INTEGRATION_BROKER_URL")
    name = unique_queue("priority")
    client = redis.Redis.from_url(broker)
    try:
        with publishing_to(broker, name) as publisher:
            # given a lead's notification queued first, then a prospect's scoring
            assert queue.publish("notifications.dispatch_event", (1,), {}, {})
            assert queue.publish("assessments.score", (2,), {}, {})
            # when a worker takes the next two messages, as it does: lowest priority first
            with publisher.connection_for_write() as connection:
                channel = connection.default_channel
                taken = [channel.basic_get(name, no_ack=True) for _ in range(2)]
        # then the scoring comes first
        assert [message.headers["task"] for message in taken] == [
            "assessments.score",
            "notifications.dispatch_event",
        ]
    finally:
        for key in client.keys(f"*{name}*"):
            client.delete(key)
