"""Every public action that queues work, while the broker is down: the visitor gets the normal
answer, and the work is done once the broker is back, exactly once.

Runs in the normal suite (SQLite, tasks in-process). The broker is a real Redis URL on a port
where nothing listens, so publishing raises kombu's OperationalError as in production; when it
is "back", the suite's in-process broker takes the tasks and the beat's outbox flush runs.
`test_faults.py` does the same on the real stack (gunicorn, worker, beat, a Redis it stops).
"""

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from django.core import mail
from django.core.files.storage import default_storage

from apps.assessments import services as assessment_services
from apps.assessments.models import Assessment
from apps.booking import services as booking_services
from apps.booking.models import Booking
from apps.core.models import OutboxMessage
from apps.core.tasks import flush_outbox
from tests.assessments.fixture_model import ANSWERS, form_data, step_answers
from tests.assessments.worker import publishing_to
from tests.booking.factories import BookingFactory, SlotFactory
from tests.reports.factories import make_assessment, make_scoring_model
from tests.stack import free_port

pytestmark = pytest.mark.django_db

Outage = Callable[[], AbstractContextManager[None]]


@pytest.fixture
def broker_down(django_capture_on_commit_callbacks) -> Outage:
    """Inside: every publish fails; the request's on-commit work runs (and fails) at the end."""

    @contextmanager
    def down() -> Iterator[None]:
        with (
            publishing_to(f"redis://127.0.0.1:{free_port()}/0", "outage"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            yield

    return down


def broker_back() -> None:
    """The broker is back: the beat's flush publishes what waited, and a second flush finds
    nothing left to publish."""
    waiting = OutboxMessage.objects.count()
    assert waiting, "the outage left nothing in the outbox"
    assert flush_outbox.delay().get() == waiting
    assert flush_outbox.delay().get() == 0
    assert not OutboxMessage.objects.exists()


def recipients() -> list[list[str]]:
    return [message.to for message in mail.outbox]


# --- Submissions ---


def test_it_accepts_a_submission_and_scores_it_once_the_broker_is_back(
    client, scoring_model, broker_down
):
    body = {"answers": ANSWERS, "contact": {"name": "Ada"}, "consent": True}

    with broker_down():
        response = client.post(
            "/api/v1/assessments/", json.dumps(body), content_type="application/json"
        )

    assert response.status_code == 202
    assessment = Assessment.objects.get()
    assert assessment.status == Assessment.Status.PENDING
    broker_back()
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SCORED
    assert assessment.attempts == 1


def test_it_retries_a_failed_assessment_once_the_broker_is_back(client, scoring_model, broker_down):
    assessment, token = make_assessment(
        scoring_model=scoring_model, status=Assessment.Status.FAILED
    )

    with broker_down():
        response = client.post(f"/assessment/{token}/retry/")

    assert response.status_code == 302
    broker_back()
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SCORED


def test_it_mails_the_resume_link_once_the_broker_is_back(client, scoring_model, broker_down):
    _draft, token = assessment_services.start_assessment()
    data = form_data(step_answers(1)) | {"action": "email", "resume_email": "ada@example.org"}

    with broker_down():
        response = client.post(f"/assessment/{token}/step/1/", data)

    assert response.status_code == 302
    assert response["Location"].endswith("?sent=1")
    assert mail.outbox == []
    broker_back()
    assert recipients() == [["ada@example.org"]]
    assert f"/assessment/{token}/" in mail.outbox[0].body


# --- Bookings ---


def test_it_books_over_the_api_and_confirms_once_the_broker_is_back(client, broker_down):
    slot = SlotFactory()
    body = {"slot": slot.pk, "name": "Ada", "email": "ada@example.org"}

    with broker_down():
        response = client.post("/api/v1/bookings/", body, content_type="application/json")

    assert response.status_code == 201
    assert mail.outbox == []
    broker_back()
    assert ["ada@example.org"] in recipients()
    assert len(mail.outbox) == 2  # the prospect's confirmation and the engineer's notice
    assert Booking.objects.get().notified_sequence == Booking.objects.get().sequence


def test_it_books_with_the_form_and_confirms_once_the_broker_is_back(client, broker_down):
    slot = SlotFactory()
    data = {"slot": slot.pk, "name": "Ada", "email": "ada@example.org", "timezone": "UTC"}

    with broker_down():
        response = client.post("/booking/book/", data)

    assert response.status_code == 302
    broker_back()
    assert ["ada@example.org"] in recipients()


def test_it_cancels_and_mails_the_cancellation_once_the_broker_is_back(client, broker_down):
    booking = BookingFactory(slot=SlotFactory())
    url = f"/booking/manage/{booking_services.manage_token(booking)}/cancel/"

    with broker_down():
        response = client.post(url)

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert mail.outbox == []
    broker_back()
    assert [message.subject.split(":")[0] for message in mail.outbox] == ["Cancelled"] * 2


def test_it_moves_a_booking_and_mails_it_once_the_broker_is_back(client, broker_down):
    booking = BookingFactory(slot=SlotFactory())
    later = SlotFactory(engineer=booking.slot.engineer)
    url = f"/booking/manage/{booking_services.manage_token(booking)}/reschedule/"

    with broker_down():
        response = client.post(url, {"slot": later.pk})

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.slot == later
    assert mail.outbox == []
    broker_back()
    assert mail.outbox[0].subject.startswith("Your technical assessment has moved")


# --- Reports and the dashboard ---


@pytest.mark.parametrize("path", ["/assessment/{}/report.pdf", "/api/v1/assessments/{}/report.pdf"])
def test_it_renders_the_report_once_the_broker_is_back(client, scoring_model, broker_down, path):
    assessment, token = make_assessment(scoring_model=scoring_model)

    with broker_down():
        response = client.get(path.format(token))

    assert response.status_code == 202
    broker_back()
    assessment.refresh_from_db()
    assert assessment.report_status == Assessment.ReportStatus.READY
    assert default_storage.open(assessment.report_pdf.name).read(5) == b"%PDF-"
    assert client.get(path.format(token)).status_code == 200


def test_it_rescores_once_the_broker_is_back(client, sales, scoring_model, broker_down):
    assessment, _token = make_assessment(scoring_model=scoring_model)
    latest = make_scoring_model(version=2)
    client.force_login(sales)

    with broker_down():
        response = client.post("/dashboard/rescore/", {"scope": "all"})

    assert response.status_code == 302
    broker_back()
    assessment.refresh_from_db()
    assert assessment.scoring_model == latest
