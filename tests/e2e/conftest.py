"""Real content, free slots and scored leads for the browser journeys."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.booking.factories import EngineerFactory, SlotFactory


@pytest.fixture
def content(seeded):
    """The real content, and free slots over the coming days for the booking page."""
    engineer = EngineerFactory()
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    return [
        SlotFactory(
            engineer=engineer, start=start + timedelta(hours=h), end=start + timedelta(hours=h + 1)
        )
        for h in range(3)
    ]
