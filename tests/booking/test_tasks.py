"""E-mail tasks: confirmation, move, cancellation, reminders, and the .ics invites they carry."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils.html import escape
from icalendar import Calendar

from apps.booking import emails, services, tasks
from apps.booking.models import Booking, BookingQuerySet, Slot

from .factories import (
    NOW,
    BookingFactory,
    EngineerFactory,
    RuleFactory,
    SlotFactory,
    scored_assessment,
)

pytestmark = pytest.mark.django_db

START = datetime(2030, 1, 7, 9, tzinfo=UTC)


@pytest.fixture
def engineer():
    return EngineerFactory(first_name="Grace", last_name="Hopper", email="grace@example.com")


@pytest.fixture
def booking(engineer, frozen_now) -> Booking:
    slot = SlotFactory(engineer=engineer, start=START, end=START + timedelta(minutes=45))
    return services.book(
        slot_id=slot.pk,
        name="Ada Prospect",
        email="ada@example.org",
        company="Analytical Engines",
        notes="MPI and notebooks",
        timezone="America/New_York",
        assessment=scored_assessment(),
    )


def invite(message) -> tuple[Calendar, str]:
    """The message's calendar attachment, parsed, and the method in its content type."""
    parts = [
        part for part in message.message().walk() if part.get_content_type() == "text/calendar"
    ]
    assert len(parts) == 1
    return Calendar.from_ical(parts[0].get_payload(decode=True)), parts[0].get_param("method")


def event(calendar: Calendar):
    return calendar.walk("VEVENT")[0]


def lead(booking: Booking) -> tuple[dict, str, list[str]]:
    """What the engine said of the booking's assessment: its result, the recommended option's
    name and the questions answered "don't know" (factories.ANSWERS: Kubernetes, four risks,
    two "don't know")."""
    result = booking.assessment.result
    snapshot = booking.assessment.scoring_model.snapshot
    name = next(o["name"] for o in snapshot["options"] if o["slug"] == result["recommendation"])
    texts = {q["key"]: q["text"] for s in snapshot["sections"] for q in s["questions"]}
    return result, name, [texts[key] for key in result["unknown"]]


def html(message) -> str:
    body, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    return body


def test_it_sends_the_prospect_a_confirmation_with_an_invite(booking):
    tasks.send_confirmation(booking.pk)

    prospect = mail.outbox[0]
    assert prospect.to == ["ada@example.org"]
    when = "Mon 7 Jan 2030, 04:00–04:45 (America/New_York)"
    assert prospect.subject == f"Your technical assessment on {when}"
    assert when in prospect.body
    assert when in html(prospect)
    assert "Grace Hopper" in prospect.body
    assert services.manage_url(booking) in prospect.body
    assert services.manage_url(booking) in html(prospect)
    assert "Your assessment result is attached" in prospect.body

    calendar, method = invite(prospect)
    vevent = event(calendar)
    assert (calendar["METHOD"], method) == ("REQUEST", "REQUEST")
    assert str(vevent["SUMMARY"]) == "Technical assessment: Analytical Engines"
    assert vevent.decoded("DTSTART") == START
    assert vevent.decoded("DTEND") == START + timedelta(minutes=45)
    assert vevent["DTSTART"].to_ical() == b"20300107T090000Z"
    assert str(vevent["ATTENDEE"]) == "mailto:ada@example.org"
    assert vevent["ATTENDEE"].params["CN"] == "Ada Prospect"
    assert str(vevent["ORGANIZER"]) == "mailto:grace@example.com"
    assert str(vevent["UID"]) == f"{booking.uid}@127.0.0.1"
    assert vevent["SEQUENCE"] == 0
    assert services.manage_url(booking) in str(vevent["DESCRIPTION"])


def test_it_sends_the_engineer_and_sales_the_pre_brief(booking):
    tasks.send_confirmation(booking.pk)

    internal = mail.outbox[1]
    assert internal.to == ["grace@example.com", "sales@localhost"]
    assert internal.subject == (
        "New booking: Analytical Engines, Mon 7 Jan 2030, 10:00–10:45 (Europe/Berlin)"
    )
    result, name, unknown = lead(booking)
    top, *_, least = result["risks"]
    assert (top["level"], least["level"], len(unknown)) == ("high", "low", 2)
    for text, quote in ((internal.body, str), (html(internal), escape)):
        assert quote(name) in text
        assert quote(top["title"]) in text
        assert quote(least["title"]) not in text  # only the top three risks
        for question in unknown:
            assert quote(question) in text
        assert "MPI and notebooks" in text
    assert f"[HIGH] {top['title']} ({top['improvement']})" in internal.body
    fit = result["scores"][result["recommendation"]]["fit"]
    assert f"Recommendation: {name} (fit {fit:.0f} %)" in internal.body
    assert f"<td>{escape(name)} (fit {fit:.0f} %)</td>" in html(internal)
    assert services.manage_url(booking) not in internal.body
    calendar, _method = invite(internal)
    assert services.manage_url(booking) not in str(event(calendar)["DESCRIPTION"])


def test_it_confirms_each_revision_once(booking):
    tasks.send_confirmation(booking.pk)
    tasks.send_confirmation(booking.pk)

    assert len(mail.outbox) == 2


def test_it_enqueues_the_confirmation_on_commit(
    engineer, frozen_now, django_capture_on_commit_callbacks
):
    slot = SlotFactory(engineer=engineer, start=START)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.book(slot_id=slot.pk, name="Ada", email="ada@example.org")

    assert mail.outbox == []
    callbacks[0]()
    assert len(mail.outbox) == 2


def test_it_sends_an_updated_invite_with_the_same_uid_after_a_move(booking, engineer):
    tasks.send_confirmation(booking.pk)
    later = SlotFactory(engineer=engineer, start=START + timedelta(hours=3))

    services.reschedule(booking=booking, new_slot_id=later.pk)
    tasks.send_confirmation(booking.pk)

    first, moved = event(invite(mail.outbox[0])[0]), event(invite(mail.outbox[2])[0])
    assert mail.outbox[2].subject.startswith("Your technical assessment has moved to")
    assert moved["UID"] == first["UID"]
    assert (first["SEQUENCE"], moved["SEQUENCE"]) == (0, 1)
    assert moved.decoded("DTSTART") == START + timedelta(hours=3)


def test_it_tells_the_previous_engineer_when_a_move_hands_over(booking):
    other = EngineerFactory(email="linus@example.com")
    later = SlotFactory(engineer=other, start=START + timedelta(hours=3))

    services.reschedule(booking=booking, new_slot_id=later.pk)
    tasks.send_confirmation(booking.pk, previous_engineer_id=booking.slot.engineer_id)

    handover = [message for message in mail.outbox if message.to == ["grace@example.com"]]
    assert len(handover) == 1
    assert invite(handover[0])[0]["METHOD"] == "CANCEL"
    assert mail.outbox[1].to == ["linus@example.com", "sales@localhost"]


def test_it_hands_over_through_the_queue_when_a_move_changes_engineer(
    booking, django_capture_on_commit_callbacks
):
    later = SlotFactory(engineer=EngineerFactory(email="linus@example.com"), start=START)

    with django_capture_on_commit_callbacks(execute=True):
        services.reschedule(booking=booking, new_slot_id=later.pk)

    handover = [message for message in mail.outbox if message.to == ["grace@example.com"]]
    assert [invite(message)[0]["METHOD"] for message in handover] == ["CANCEL"]


def test_it_sends_a_cancellation_once(booking):
    services.cancel(booking=booking)

    tasks.send_cancellation(booking.pk)
    tasks.send_cancellation(booking.pk)

    assert [message.to for message in mail.outbox] == [
        ["ada@example.org"],
        ["grace@example.com", "sales@localhost"],
    ]
    calendar, method = invite(mail.outbox[0])
    vevent = event(calendar)
    assert (calendar["METHOD"], method) == ("CANCEL", "CANCEL")
    assert vevent["STATUS"] == "CANCELLED"
    assert vevent["SEQUENCE"] == 1
    assert str(vevent["UID"]) == f"{booking.uid}@127.0.0.1"
    assert "is cancelled" in mail.outbox[0].body


def test_it_sends_no_cancellation_for_a_confirmed_booking(booking):
    tasks.send_cancellation(booking.pk)

    assert mail.outbox == []


def test_it_releases_the_claim_when_the_mail_server_fails(booking, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(emails, "send_confirmation_emails", refuse)

    with pytest.raises(ConnectionRefusedError):
        tasks.send_confirmation(booking.pk)

    booking.refresh_from_db()
    assert booking.notified_sequence is None


def test_it_reminds_once_within_the_last_day(booking, frozen_now):
    frozen_now.move_to(START - timedelta(hours=25))
    assert tasks.send_reminders() == 0

    frozen_now.move_to(START - timedelta(hours=23))
    assert tasks.send_reminders() == 1
    frozen_now.move_to(START - timedelta(hours=22, minutes=50))
    assert tasks.send_reminders() == 0

    assert [message.to for message in mail.outbox] == [["ada@example.org"], ["grace@example.com"]]
    assert mail.outbox[0].subject.startswith("Reminder: your technical assessment on")
    assert services.manage_url(booking) in mail.outbox[0].body
    _result, _name, unknown = lead(booking)
    assert unknown
    for question in unknown:
        assert question in mail.outbox[1].body
    booking.refresh_from_db()
    assert booking.reminder_sent_at == START - timedelta(hours=23)


def test_it_never_reminds_twice_when_two_beats_overlap(booking, frozen_now, monkeypatch):
    # given another beat claimed the booking after this beat had read it as due
    frozen_now.move_to(START - timedelta(hours=2))
    Booking.objects.filter(pk=booking.pk).update(
        reminder_sent_at=START - timedelta(hours=2, minutes=1)
    )
    monkeypatch.setattr(
        BookingQuerySet, "due_for_reminder", lambda qs, now: qs.filter(pk=booking.pk)
    )

    # then this beat's claim comes back empty and it sends nothing
    assert tasks.send_reminders() == 0
    assert mail.outbox == []


def test_it_skips_cancelled_and_started_bookings(booking, engineer, frozen_now):
    services.cancel(booking=booking)
    past = SlotFactory(engineer=engineer, start=NOW + timedelta(minutes=30))
    started = BookingFactory(slot=past)
    frozen_now.move_to(NOW + timedelta(hours=1))

    assert tasks.send_reminders() == 0
    started.refresh_from_db()
    assert started.reminder_sent_at is None


def test_it_reminds_again_after_a_move(booking, engineer, frozen_now):
    frozen_now.move_to(START - timedelta(hours=2))
    tasks.send_reminders()
    later = SlotFactory(engineer=engineer, start=START + timedelta(hours=3))

    services.reschedule(booking=booking, new_slot_id=later.pk)

    assert tasks.send_reminders() == 1


def test_it_gives_a_failed_reminder_back_for_the_next_beat(booking, frozen_now, monkeypatch):
    frozen_now.move_to(START - timedelta(hours=2))

    def refuse(booking):
        raise TimeoutError("mail server slow")

    with monkeypatch.context() as patch:
        patch.setattr(emails, "send_reminder_email", refuse)
        assert tasks.send_reminders() == 0

    assert tasks.send_reminders() == 1


def test_it_rolls_the_slot_horizon_forward(frozen_now):
    RuleFactory(weekday=0)

    assert tasks.generate_slots() == 12
    assert Slot.objects.count() == 12
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        assert tasks.generate_slots() == 3


# A header injection attempt saved before contact fields were checked, or typed by staff.
INJECTED = "ACME\r\nX: y"
BAD_ADDRESS = "ada@example.org\r\nBcc: eve@example.org"


def test_it_sends_the_staff_notice_for_a_company_saved_with_a_line_break(engineer, frozen_now):
    booking = BookingFactory(slot=SlotFactory(engineer=engineer, start=START), company=INJECTED)

    tasks.send_confirmation(booking.pk)

    booking.refresh_from_db()
    assert booking.notified_sequence == 0
    assert [message.to for message in mail.outbox] == [
        ["ada@example.org"],
        ["grace@example.com", "sales@localhost"],
    ]
    assert mail.outbox[1].subject.startswith("New booking: ACME X: y, ")


def test_it_leaves_the_confirmation_unsent_when_a_mail_raises(engineer, frozen_now, caplog):
    booking = BookingFactory(slot=SlotFactory(engineer=engineer, start=START), email=BAD_ADDRESS)

    tasks.send_confirmation(booking.pk)

    booking.refresh_from_db()
    assert booking.notified_sequence is None
    assert f"booking {booking.pk}: confirmation not sent" in caplog.text


def test_it_leaves_the_cancellation_unsent_when_a_mail_raises(engineer, frozen_now, caplog):
    booking = BookingFactory(slot=SlotFactory(engineer=engineer, start=START), email=BAD_ADDRESS)
    services.cancel(booking=booking)

    tasks.send_cancellation(booking.pk)

    booking.refresh_from_db()
    assert booking.cancellation_sent_at is None
    assert f"booking {booking.pk}: cancellation not sent" in caplog.text


def test_it_reminds_the_others_when_one_reminder_raises(booking, engineer, frozen_now, caplog):
    # given a second booking due for a reminder whose mail cannot be built
    later = SlotFactory(engineer=engineer, start=START + timedelta(hours=2))
    broken = BookingFactory(slot=later, email=BAD_ADDRESS)
    frozen_now.move_to(START - timedelta(hours=2))

    # when
    sent = tasks.send_reminders()

    # then the good booking is mailed and marked, the broken one stays due
    booking.refresh_from_db()
    broken.refresh_from_db()
    assert sent == 1
    assert [message.to for message in mail.outbox] == [["ada@example.org"], ["grace@example.com"]]
    assert booking.reminder_sent_at == START - timedelta(hours=2)
    assert broken.reminder_sent_at is None
    assert f"booking {broken.pk}: reminder not sent" in caplog.text
