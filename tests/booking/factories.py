"""Factories for booking tests: engineers, rules, slots, bookings and scored assessments."""

from datetime import UTC, date, datetime, time, timedelta

import factory
from django.contrib.auth import get_user_model

from apps.assessments.models import Assessment
from apps.booking import services
from apps.booking.models import AvailabilityRule, Booking, Slot
from apps.core.tokens import hash_token
from apps.questionnaire.models import Questionnaire, ScoringModel

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


SNAPSHOT = {
    "version": 1,
    "questionnaire": {"slug": "hpc-orchestration", "title": "HPC", "intro": ""},
    "options": [
        {"slug": "slurm", "name": "SLURM", "colour": "#1f6feb", "url": "/technologies/slurm/"},
        {"slug": "hybrid", "name": "Hybrid", "colour": "#000", "url": "/technologies/hybrid/"},
    ],
    "sections": [
        {
            "title": "Workloads",
            "intro": "",
            "questions": [
                {"key": "workload_mix", "text": "What runs on the cluster?", "choices": []},
                {"key": "interconnect", "text": "Which interconnect do you use?", "choices": []},
                {"key": "gpu_share", "text": "Do jobs share GPUs?", "choices": []},
            ],
        }
    ],
    "risks": [],
}

RESULT = {
    "model_version": 1,
    "recommendation": "slurm",
    "runner_up": "hybrid",
    "margin": 3.0,
    "confidence": 0.74,
    "confidence_label": "high",
    "close_call": True,
    "close_call_note": None,
    "scores": {
        "slurm": {"points": 23.0, "fit": 81.2, "rank": 1},
        "hybrid": {"points": 20.0, "fit": 70.0, "rank": 2},
    },
    "contributions": [],
    "risks": [
        {
            "id": 1,
            "level": "low",
            "title": "Low risk",
            "description": "",
            "improvement": "",
            "option": "slurm",
            "feature": None,
        },
        {
            "id": 2,
            "level": "high",
            "title": "Service workloads need a second stack",
            "description": "",
            "improvement": "Plan a Kubernetes side",
            "option": "slurm",
            "feature": "long-running-services",
        },
        {
            "id": 3,
            "level": "medium",
            "title": "GPU sharing is coarse",
            "description": "",
            "improvement": "Use MIG",
            "option": "slurm",
            "feature": "gpu-sharing",
        },
        {
            "id": 4,
            "level": "medium",
            "title": "Third risk",
            "description": "",
            "improvement": "",
            "option": None,
            "feature": None,
        },
    ],
    "sensitivity": [],
    "what_if": [],
    "unknown": ["interconnect", "gpu_share"],
    "answered": 18,
    "shown": 22,
}


def scored_assessment(raw_token: str = "assessment-token-for-tests") -> Assessment:
    """A scored assessment whose private token is ``raw_token``."""
    questionnaire, _ = Questionnaire.objects.get_or_create(
        slug="hpc-orchestration", defaults={"title": "HPC"}
    )
    model, _ = ScoringModel.objects.get_or_create(
        version=1, defaults={"questionnaire": questionnaire, "snapshot": SNAPSHOT, "checksum": "x"}
    )
    return Assessment.objects.create(
        token_hash=hash_token(raw_token),
        status=Assessment.Status.SCORED,
        scoring_model=model,
        result=RESULT,
        fit=81.2,
        confidence=0.74,
        contact_name="Ada Prospect",
        company="Analytical Engines Ltd",
    )
