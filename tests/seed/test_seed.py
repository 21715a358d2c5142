"""`manage.py seed` gives a new development site free slots for the coming four weeks."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command

from apps.accounts.models import CONTENT_EDITORS
from apps.booking.models import AvailabilityRule, Slot
from apps.seed.demo import create_demo_availability

pytestmark = pytest.mark.django_db

# A Sunday noon: the demo rules offer slots from the next morning on.
NOW = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_it_seeds_free_slots_for_each_of_the_next_four_weeks(settings, frozen_now):
    settings.DEBUG = True

    call_command("seed", "--no-demo-users", verbosity=0)

    for week in range(4):
        start = NOW + timedelta(weeks=week)
        assert Slot.objects.free(start=start, end=start + timedelta(weeks=1)), week
    engineers = get_user_model().objects.filter(username__startswith="demo-engineer-")
    assert engineers.count() == 2
    for engineer in engineers:
        assert engineer.is_staff
        assert not engineer.is_superuser
        assert not engineer.has_usable_password()
        assert engineer.groups.filter(name=CONTENT_EDITORS).exists()


def test_it_seeds_idempotently(settings, frozen_now):
    settings.DEBUG = True
    call_command("seed", "--no-demo-users", verbosity=0)
    counts = (AvailabilityRule.objects.count(), Slot.objects.count())

    call_command("seed", "--no-demo-users", verbosity=0)

    assert (AvailabilityRule.objects.count(), Slot.objects.count()) == counts
    assert create_demo_availability() == 0


def test_it_seeds_no_demo_engineers_in_production(settings):
    settings.DEBUG = False

    call_command("seed", "--no-demo-users", verbosity=0)

    assert not Slot.objects.exists()
