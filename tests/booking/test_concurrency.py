"""A slot is taken once, even when many prospects book it at the same moment (PostgreSQL)."""

import os
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from apps.booking import services
from apps.booking.models import Booking, Slot

from .factories import EngineerFactory

pytestmark = pytest.mark.integration

THREADS = 8


@pytest.fixture
def postgres(transactional_db) -> None:
    """Row locks need a real server: skip elsewhere, unless integration tests are required."""
    if connection.vendor != "postgresql":
        reason = (
            "the booking concurrency tests need PostgreSQL row locks; run them with "
            "DATABASE_URL=postgres://... (SQLite serialises writers, so it proves nothing)"
        )
        if os.environ.get("INTEGRATION_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def slot(postgres) -> Slot:
    start = timezone.now() + timedelta(days=2)
    return Slot.objects.create(
        engineer=EngineerFactory(), start=start, end=start + timedelta(hours=1)
    )


def race(attempt: Callable[[int], str]) -> Counter:
    """Runs ``attempt`` in THREADS threads released together; counts their outcomes."""
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes.append(attempt(n))
        except Exception as exc:  # noqa: BLE001 - any other failure must show in the count
            outcomes.append(f"error: {exc!r}")
        finally:
            # Each thread opened its own connection: close it, or the test database stays busy.
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return Counter(outcomes)


def test_it_books_a_slot_once_when_many_threads_try_at_once(slot):
    def attempt(n: int) -> str:
        try:
            services.book(slot_id=slot.pk, name=f"Prospect {n}", email=f"p{n}@example.org")
        except services.SlotTaken:
            return "taken"
        return "booked"

    outcomes = race(attempt)

    assert outcomes == Counter({"booked": 1, "taken": THREADS - 1})
    assert Booking.objects.filter(slot=slot, status=Booking.Status.CONFIRMED).count() == 1


def test_it_books_a_slot_once_when_parallel_api_requests_arrive(slot):
    def attempt(n: int) -> str:
        response = Client().post(
            "/api/v1/bookings/",
            {"slot": slot.pk, "name": f"Prospect {n}", "email": f"p{n}@example.org"},
            content_type="application/json",
        )
        return str(response.status_code)

    outcomes = race(attempt)

    assert outcomes == Counter({"201": 1, "409": THREADS - 1})
    assert Booking.objects.filter(slot=slot).count() == 1


def test_it_never_double_books_neighbours_inside_a_buffer(postgres):
    # given two overlapping slots of one engineer: booking either must block the other
    engineer = EngineerFactory()
    start = timezone.now() + timedelta(days=2)
    first = Slot.objects.create(
        engineer=engineer, start=start, end=start + timedelta(hours=1), buffer_minutes=15
    )
    second = Slot.objects.create(
        engineer=engineer,
        start=start + timedelta(minutes=30),
        end=start + timedelta(minutes=90),
        buffer_minutes=15,
    )

    def attempt(n: int) -> str:
        target = first if n % 2 else second
        try:
            services.book(slot_id=target.pk, name=f"Prospect {n}", email=f"p{n}@example.org")
        except services.SlotTaken:
            return "taken"
        return "booked"

    outcomes = race(attempt)

    assert outcomes == Counter({"booked": 1, "taken": THREADS - 1})
