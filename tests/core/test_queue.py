"""core.queue with the broker down: nothing raises, the task waits in the outbox, and a flush
publishes it once the broker is back, exactly once.

The broker is a real Redis URL on a port where nothing listens, so publishing raises kombu's
OperationalError as it does in production; "back" is the suite's in-process (eager) broker.
"""

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
import redis
from celery import shared_task
from django.db import transaction

from apps.core import queue
from apps.core.models import OutboxMessage
from tests.assessments.worker import broker_reachable, publishing_to, unique_queue
from tests.stack import free_port

pytestmark = pytest.mark.django_db

RUNS: list[tuple[int, str]] = []


@shared_task(name="tests.core.record")
def record(number: int, word: str = "") -> None:
    RUNS.append((number, word))


@pytest.fixture(autouse=True)
def _clear_runs() -> Iterator[None]:
    RUNS.clear()
    yield
    RUNS.clear()


@contextmanager
def unreachable_broker() -> Iterator[None]:
    """Publishing goes to a Redis that is not running: every publish raises."""
    with publishing_to(f"redis://127.0.0.1:{free_port()}/0", "outage"):
        yield


@pytest.fixture
def broker_down() -> Callable[[], AbstractContextManager[None]]:
    return unreachable_broker


def test_it_keeps_a_task_the_broker_refused_in_the_outbox(
    broker_down, django_capture_on_commit_callbacks
):
    # when a task is queued while the broker is down
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        queue.enqueue("tests.core.record", 7, word="seven", _options={"priority": 9})

    # then nothing ran and nothing raised: the task waits with its arguments and options
    assert RUNS == []
    kept = OutboxMessage.objects.get()
    assert (kept.task, kept.args, kept.kwargs, kept.options) == (
        "tests.core.record",
        [7],
        {"word": "seven"},
        {"priority": 9},
    )


def test_it_publishes_the_outbox_once_the_broker_is_back_exactly_once(
    broker_down, django_capture_on_commit_callbacks
):
    # given two tasks kept while the broker was down
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        queue.enqueue("tests.core.record", 1)
        queue.enqueue("tests.core.record", 2, word="two")

    # when the broker is back and the outbox is flushed twice
    flushed = [queue.flush_outbox(), queue.flush_outbox()]

    # then each task ran once, in order, and the outbox is empty
    assert flushed == [2, 0]
    assert RUNS == [(1, ""), (2, "two")]
    assert not OutboxMessage.objects.exists()


def test_it_keeps_the_outbox_while_the_broker_is_still_down(
    broker_down, django_capture_on_commit_callbacks
):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        queue.enqueue("tests.core.record", 1)

    with broker_down():
        flushed = queue.flush_outbox()

    assert flushed == 0
    assert OutboxMessage.objects.count() == 1
    assert queue.flush_outbox() == 1
    assert RUNS == [(1, "")]


def test_it_drops_a_message_whose_task_no_longer_exists():
    OutboxMessage.objects.create(task="tests.core.renamed", args=[1])
    OutboxMessage.objects.create(task="tests.core.record", args=[2])

    assert queue.flush_outbox() == 2

    assert RUNS == [(2, "")]
    assert not OutboxMessage.objects.exists()


def test_it_writes_nothing_to_the_outbox_when_the_broker_takes_the_task(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_assert_num_queries(0), django_capture_on_commit_callbacks(execute=True):
        queue.enqueue("tests.core.record", 3)

    assert RUNS == [(3, "")]


def failing_request() -> None:
    with transaction.atomic():
        queue.enqueue("tests.core.record", 4)
        raise RuntimeError("the request failed after queueing")


def test_it_queues_nothing_when_the_transaction_rolls_back(
    broker_down, django_capture_on_commit_callbacks
):
    with (
        broker_down(),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
    ):
        failing_request()

    assert not OutboxMessage.objects.exists()
    assert queue.flush_outbox() == 0
    assert RUNS == []


# --- How much work waits (the reports worker gives way to scoring) ---


def test_nothing_waits_when_tasks_run_in_process():
    assert queue.waiting("celery") == 0


def test_nothing_is_said_to_wait_when_the_broker_is_down():
    with unreachable_broker():
        assert queue.waiting("outage") == 0


@pytest.mark.integration
def test_it_counts_the_messages_waiting_in_a_real_redis_queue():
    broker = os.environ.get("INTEGRATION_BROKER_URL", "")
    if not broker or not broker_reachable(broker):
        if os.environ.get("INTEGRATION_REQUIRED") == "1":
            pytest.fail("needs Redis at INTEGRATION_BROKER_URL")
        pytest.skip("needs Redis at INTEGRATION_BROKER_URL")
    name = unique_queue("waiting")
    try:
        with publishing_to(broker, name):
            # given a queue nobody consumes: empty, then three messages
            empty = queue.waiting(name)
            for number in range(3):
                assert queue.publish("tests.core.record", (number,), {}, {})
            # then
            assert (empty, queue.waiting(name)) == (0, 3)
    finally:
        redis.Redis.from_url(broker).delete(name)


@pytest.mark.django_db(transaction=True)
def test_a_coalesced_task_is_queued_once_until_its_run_starts(monkeypatch):
    published: list[str] = []
    monkeypatch.setattr(queue, "publish", lambda name, *args: published.append(name) or True)

    # when: three changes commit, each asking for the run
    for _ in range(3):
        with transaction.atomic():
            queue.enqueue_once("tests.fan_out", key="tests.fan_out")
    # then: one run is queued; nothing is published before commit
    assert published == ["tests.fan_out"]
    with transaction.atomic():
        queue.enqueue_once("tests.fan_out", key="tests.fan_out")
        assert published == ["tests.fan_out"]

    # when: the run starts, a change committed after it queues another
    queue.starting("tests.fan_out")
    with transaction.atomic():
        queue.enqueue_once("tests.fan_out", key="tests.fan_out")
    assert published == ["tests.fan_out", "tests.fan_out"]
    # and: another key is coalesced on its own
    queue.enqueue_once("tests.other", key="tests.other")
    assert published == ["tests.fan_out", "tests.fan_out", "tests.other"]
