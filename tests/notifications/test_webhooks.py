"""Webhook deliveries against a real HTTP receiver started by the test."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from apps.assessments.models import Assessment
from apps.notifications import tasks
from apps.notifications.models import (
    Event,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from apps.notifications.services import webhooks

from .conftest import SECRET

pytestmark = pytest.mark.django_db


def _run_due(when, django_capture_on_commit_callbacks) -> None:
    """The beat's retry sweep at ``when``, its queued attempts run at once (eager)."""
    with time_machine.travel(when, tick=False), django_capture_on_commit_callbacks(execute=True):
        tasks.retry_webhooks()


def test_it_delivers_a_new_lead_signed_with_the_endpoint_secret(endpoint, receiver, new_lead):
    # when
    assessment = new_lead()

    # then
    (request,) = receiver.requests
    assert request.signature_ok(SECRET)
    assert not request.signature_ok("another secret")
    event = Event.objects.get(type=EventType.ASSESSMENT_SCORED)
    delivery = WebhookDelivery.objects.get()
    assert request.headers["X-Advisor-Event"] == "assessment.scored"
    assert request.headers["X-Advisor-Delivery"] == str(delivery.uid)
    assert request.headers["Content-Type"] == "application/json"
    payload = request.json()
    assert set(payload) == {"id", "type", "created", "data"}
    assert payload["id"] == str(event.uid)
    assert payload["type"] == "assessment.scored"
    data = payload["data"]
    assert data["id"] == assessment.pk
    assert data["status"] == "scored"
    assert data["model_version"] == assessment.scoring_model.version
    assert data["result"]["recommendation"] == assessment.result["recommendation"]
    assert data["contact"] == {
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "company": "Analytical Engines Ltd",
        "role": "Head of HPC",
    }
    assert data["lead_url"].endswith(f"/dashboard/leads/{assessment.pk}/")
    # No private link of the prospect's leaves the site.
    assert "token" not in request.body.decode()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert (attempt.number, attempt.status_code, attempt.succeeded) == (1, 200, True)
    assert attempt.response_excerpt == '{"ok": true}'


def test_it_sends_nothing_for_a_prospect_without_consent(endpoint, receiver, new_lead):
    # when
    new_lead(consent=False, contact_name="", contact_email="", company="", role="")

    # then
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_it_retries_after_a_500_with_the_same_delivery_id(
    endpoint, receiver, new_lead, django_capture_on_commit_callbacks
):
    # given: the receiver fails once
    receiver.script = [500]
    new_lead()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempt_count == 1
    first_try = WebhookAttempt.objects.get(delivery=delivery)
    assert first_try.status_code == 500
    assert first_try.response_excerpt.startswith("receiver failure")
    assert len(first_try.response_excerpt) == webhooks.EXCERPT_CHARS
    wait = delivery.next_attempt_at - first_try.started_at
    assert timedelta(minutes=1) <= wait < timedelta(minutes=1, seconds=2)

    # when: the sweep runs before the retry is due, then after
    _run_due(delivery.next_attempt_at - timedelta(seconds=5), django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1
    _run_due(delivery.next_attempt_at + timedelta(seconds=1), django_capture_on_commit_callbacks)

    # then
    first, second = receiver.requests
    assert second.signature_ok()
    assert second.headers["X-Advisor-Delivery"] == first.headers["X-Advisor-Delivery"]
    assert second.json()["id"] == first.json()["id"]
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert [a.status_code for a in delivery.attempts.all()] == [500, 200]
    assert WebhookEndpoint.objects.get().failing_since is None


def test_it_backs_off_exponentially_and_disables_an_endpoint_failing_for_a_day(
    endpoint, receiver, new_lead, django_capture_on_commit_callbacks
):
    # given: a receiver that always fails
    receiver.then = 503
    new_lead()
    delivery = WebhookDelivery.objects.get()

    # when: the beat sweeps whenever the next attempt is due, for as long as there is one
    waits = []
    while delivery.status == WebhookDelivery.Status.PENDING:
        waits.append(delivery.next_attempt_at - delivery.attempts.last().started_at)
        _run_due(delivery.next_attempt_at, django_capture_on_commit_callbacks)
        delivery.refresh_from_db()

    # then: 1, 3, 9 … minutes between attempts, the last one at 24 hours, then given up
    minutes = [round(wait.total_seconds() / 60) for wait in waits]
    assert minutes[:7] == [1, 3, 9, 27, 81, 243, 729]
    last = delivery.attempts.last()
    assert last.started_at - delivery.created_at == timedelta(hours=24)
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempt_count == len(receiver.requests) == 9
    assert all(request.signature_ok() for request in receiver.requests)
    endpoint.refresh_from_db()
    assert endpoint.active is False
    assert endpoint.disabled_at is not None
    (told,) = [m for m in mail.outbox if "disabled" in m.subject]
    assert told.to == [endpoint.owner.email]
    assert endpoint.url in told.body

    # and: later events are not sent to it
    new_lead()
    assert len(receiver.requests) == 9


def test_it_never_sends_an_event_twice_when_its_tasks_run_twice(
    endpoint, receiver, scoring_model, django_capture_on_commit_callbacks
):
    # given: an event recorded, its fan-out not yet run
    from tests.reports.factories import make_assessment

    with django_capture_on_commit_callbacks(execute=False):
        make_assessment(scoring_model=scoring_model)
    event = Event.objects.get()

    # when: the fan-out and the delivery each run twice
    with django_capture_on_commit_callbacks(execute=False):
        tasks.dispatch_event(event.pk)
        tasks.dispatch_event(event.pk)
    delivery = WebhookDelivery.objects.get()
    tasks.deliver_webhook(delivery.pk)
    tasks.deliver_webhook(delivery.pk)
    # and the sweep finds nothing due
    _run_due(timezone.now() + timedelta(hours=1), django_capture_on_commit_callbacks)

    # then
    assert len(receiver.requests) == 1
    assert WebhookAttempt.objects.count() == 1


def test_it_redelivers_as_a_new_delivery_of_the_same_event(
    endpoint, receiver, new_lead, django_capture_on_commit_callbacks
):
    # given
    new_lead()
    original = WebhookDelivery.objects.get()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        again = webhooks.redeliver(delivery=original)

    # then
    first, second = receiver.requests
    assert second.json() == first.json() | {"data": second.json()["data"]}
    assert second.headers["X-Advisor-Delivery"] == str(again.uid) != str(original.uid)
    again.refresh_from_db()
    assert again.manual
    assert again.status == WebhookDelivery.Status.SUCCEEDED


def test_it_checks_consent_again_when_sending(
    endpoint, receiver, scoring_model, django_capture_on_commit_callbacks
):
    # given: a lead whose delivery waits, then the prospect is anonymised
    from apps.assessments import services as assessments
    from tests.reports.factories import make_assessment

    receiver.script = [500]
    with django_capture_on_commit_callbacks(execute=True):
        assessment, _token = make_assessment(scoring_model=scoring_model)
    assessments.anonymise_assessments(assessments=Assessment.objects.filter(pk=assessment.pk))
    delivery = WebhookDelivery.objects.get()

    # when
    _run_due(delivery.next_attempt_at, django_capture_on_commit_callbacks)

    # then: nothing more went out
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SKIPPED


def test_it_only_sends_the_events_an_endpoint_subscribed_to(receiver, new_lead):
    webhooks.create_endpoint(url=receiver.url, events=["booking.created"], secret=SECRET)

    new_lead()

    assert receiver.requests == []


def test_it_forgets_the_events_of_a_deleted_assessment(endpoint, receiver, new_lead):
    # given: a lead told to Sales and the CRM
    from apps.assessments import services as assessments

    assessment = new_lead()
    assert WebhookAttempt.objects.exists()

    # when
    assessments.delete_assessment(assessment=assessment)

    # then
    assert not Event.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert not WebhookAttempt.objects.exists()


def test_it_sends_a_booking_only_with_a_consenting_assessment(
    endpoint, receiver, new_lead, sales_team, django_capture_on_commit_callbacks
):
    # given
    from datetime import UTC, datetime

    from apps.booking import services as booking
    from tests.booking.factories import SlotFactory

    lead = new_lead()
    receiver.requests.clear()
    with (
        time_machine.travel(datetime(2030, 1, 6, 12, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        # when: one booking without an assessment, one from the consenting lead
        booking.book(slot_id=SlotFactory().pk, name="Bob", email="bob@example.org")
        made = booking.book(
            slot_id=SlotFactory().pk, name="Ada", email="ada@example.org", assessment=lead
        )

    # then: both told to Sales, only the lead's sent to the CRM
    assert Event.objects.filter(type=EventType.BOOKING_CREATED).count() == 2
    assert sum("booking was made" in m.subject for m in mail.outbox) == 2 * len(sales_team)
    (request,) = receiver.requests
    assert request.headers["X-Advisor-Event"] == "booking.created"
    data = request.json()["data"]
    assert (data["id"], data["assessment"], data["email"]) == (made.pk, lead.pk, "ada@example.org")
    assert data["status"] == "confirmed"
    assert "manage" not in request.body.decode()
