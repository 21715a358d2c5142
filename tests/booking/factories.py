"""Factories for booking tests: engineers, rules, slots, bookings and scored assessments."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import factory
from django.contrib.auth import get_user_model

from apps.assessments.models import Assessment
from apps.booking import services
from apps.booking.models import AvailabilityRule, Booking, Slot
from apps.catalog.models import Technology
from apps.core.tokens import hash_token
from tests.questionnaire.personas import PERSONAS
from tests.reports.factories import make_assessment, make_catalog

# A Sunday noon, just before the slots the factories create (from Monday 7 January 2030).
NOW = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)


class EngineerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"engineer{n}")
    first_name = "Grace"
    last_name = factory.Sequence(lambda n: f"Hopper{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_staff = True


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityRule

    engineer = factory.SubFactory(EngineerFactory)
    weekday = 0
    start_time = time(9)
    end_time = time(12)
    slot_minutes = 60
    buffer_minutes = 0
    valid_from = date(2020, 1, 1)
    timezone = "Europe/Berlin"


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot

    engineer = factory.SubFactory(EngineerFactory)
    start = factory.Sequence(lambda n: datetime(2030, 1, 7, 9, tzinfo=UTC) + timedelta(hours=2 * n))
    end = factory.LazyAttribute(lambda slot: slot.start + timedelta(hours=1))
    buffer_minutes = 0
    timezone = "Europe/Berlin"


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    slot = factory.SubFactory(SlotFactory)
    name = "Ada Prospect"
    email = "ada@example.org"
    company = "Analytical Engines Ltd"
    timezone = "Europe/Berlin"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        booking = model_class(*args, **kwargs)
        booking.token_hash = hash_token(services.manage_token(booking))
        booking.save()
        return booking


# The lead booking tests attach: the ML start-up persona grown into a 20,000-node fleet that
# bursts from its own data centre, keeps per-user accounting, runs NVLink racks and does not know
# whether several sites must act as one. The real engine recommends Kubernetes to it with four
# risks (high, medium, medium, low: one more than the pre-brief keeps) and two "don't know"
# answers (job_volume, multi_site). Tests read the figures and texts from ``assessment.result``.
LEAD = "ML start-up training and serving in the cloud"
ANSWERS: dict[str, Any] = {
    **PERSONAS[LEAD][1],
    "cluster_nodes": 20000,
    "cloud": "burst",
    "accounting": "yes",
    "nvlink_racks": "yes",
    "multi_site": "unknown",
}


def scored_assessment(
    raw_token: str = "assessment-token-for-tests", answers: dict[str, Any] | None = None
) -> Assessment:
    """An assessment of ``answers`` (default ``ANSWERS``) scored by the real pipeline on the
    fixture questionnaire and catalog, opened by the private token ``raw_token``."""
    if not Technology.objects.exists():
        make_catalog()
    # make_assessment draws a token of its own; the row's hash is set to this one instead.
    assessment, _ = make_assessment(
        answers=ANSWERS if answers is None else answers,
        token_hash=hash_token(raw_token),
        contact_name="Ada Prospect",
    )
    return assessment
