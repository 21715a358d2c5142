"""Mails to Sales: instant, at most once per event and user, never for their own actions; the
daily digest at each user's local time, skipped when empty."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.booking import services as booking
from apps.notifications import tasks
from apps.notifications.models import (
    Channel,
    Event,
    EventType,
    Notification,
    NotificationPreference,
)
from apps.sharing import services as sharing
from tests.booking.factories import SlotFactory

pytestmark = pytest.mark.django_db

# Sunday 6 January 2030, noon UTC: before the factories' slots (from Monday 7 January).
NOW = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)


def mails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def test_it_mails_each_salesperson_a_new_lead_at_once_with_its_link(sales_team, new_lead):
    # when
    assessment = new_lead()

    # then
    for person in sales_team:
        (message,) = mails_to(person)
        assert "A new scored assessment" in message.subject
        assert "Analytical Engines Ltd" in message.body
        assert f"http://127.0.0.1:8000/dashboard/leads/{assessment.pk}/" in message.body
        assert "/dashboard/notifications/" in message.body


def test_it_tells_nobody_of_a_lead_without_consent(sales_team, new_lead):
    new_lead(consent=False, contact_name="", contact_email="", company="", role="")

    assert not Event.objects.exists()
    assert mail.outbox == []


def test_it_sends_one_mail_per_event_and_user_when_the_tasks_run_twice(
    sales_team, scoring_model, django_capture_on_commit_callbacks
):
    # given: a lead's event, its fan-out not yet run
    from tests.reports.factories import make_assessment

    with django_capture_on_commit_callbacks(execute=False):
        make_assessment(scoring_model=scoring_model)
    event = Event.objects.get()

    # when: the fan-out and every mail task run twice
    with django_capture_on_commit_callbacks(execute=False):
        tasks.dispatch_event(event.pk)
        tasks.dispatch_event(event.pk)
    for notification in Notification.objects.all():
        tasks.send_instant(notification.pk)
        tasks.send_instant(notification.pk)

    # then
    assert Notification.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["kim@example.com", "sam@example.com"]


def test_it_leaves_out_whoever_chose_nothing(sales_team, new_lead):
    sam, kim = sales_team
    NotificationPreference.objects.create(user=kim, assessment_scored=Channel.NONE)

    new_lead()

    assert len(mails_to(sam)) == 1
    assert mails_to(kim) == []


def test_it_tells_a_link_creator_of_the_first_view_at_once_and_later_views_in_the_digest(
    sales_team, scored, django_capture_on_commit_callbacks
):
    # given: Sam shared Ada's report
    sam, kim = sales_team
    assessment, _token = scored
    link = sharing.create_share_link(assessment=assessment, label="CTO", created_by=sam).link

    # when: the client opens it twice, then Sam checks it himself
    with django_capture_on_commit_callbacks(execute=True):
        sharing.log_view(link=link, user_agent="Mozilla/5.0 Firefox/120.0", is_pdf=False)
        sharing.log_view(link=link, user_agent="", is_pdf=True)
        sharing.log_view(link=link, user_agent="", is_pdf=False, viewer=sam)

    # then: one mail at once to Sam, the second view waits for his digest, his own is not told
    (message,) = mails_to(sam)
    assert "“CTO”" in message.body
    assert "first time" in message.body
    assert mails_to(kim) == []
    channels = list(
        Notification.objects.filter(user=sam)
        .order_by("event__pk")
        .values_list("channel", flat=True)
    )
    assert channels == [Channel.INSTANT, Channel.DIGEST]
    assert Event.objects.filter(type=EventType.SHARE_LINK_VIEWED).count() == 3


def _book(slot, assessment=None) -> object:
    return booking.book(
        slot_id=slot.pk, name="Ada", email="ada@example.org", company="AE", assessment=assessment
    )


def test_it_sends_the_digest_at_the_users_local_time_once_and_not_when_empty(
    sales_team, scoring_model, django_capture_on_commit_callbacks
):
    # given: Kim wants bookings in her digest at 08:00 New York time (13:00 UTC in January)
    sam, kim = sales_team
    NotificationPreference.objects.create(
        user=kim,
        booking_created=Channel.DIGEST,
        digest_time=time(8, 0),
        timezone="America/New_York",
    )
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        _book(
            SlotFactory(
                start=datetime(2030, 1, 7, 14, tzinfo=UTC), end=datetime(2030, 1, 7, 15, tzinfo=UTC)
            )
        )
    assert len(mails_to(sam)) == 1
    assert mails_to(kim) == []

    def beat(at: datetime) -> None:
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            tasks.send_digests()

    # when / then: not before 08:00 in New York
    beat(datetime(2030, 1, 7, 12, 55, tzinfo=UTC))
    assert mails_to(kim) == []
    # at 08:05 in New York, one digest, and the next beat sends nothing more
    beat(datetime(2030, 1, 7, 13, 5, tzinfo=UTC))
    beat(datetime(2030, 1, 7, 13, 10, tzinfo=UTC))
    (digest,) = mails_to(kim)
    assert "daily digest (1)" in digest.subject
    assert "AE booked an assessment for 2030-01-07 09:00 (America/New_York)." in digest.body
    # the next day nothing happened: no mail
    beat(datetime(2030, 1, 8, 13, 5, tzinfo=UTC))
    assert len(mails_to(kim)) == 1
    assert NotificationPreference.objects.get(user=kim).last_digest_on.isoformat() == "2030-01-08"


def test_it_runs_a_digest_once_when_its_task_runs_twice(sales_team):
    # given: two events waiting for Kim's digest
    sam, kim = sales_team
    for n in range(2):
        event = Event.objects.create(type=EventType.BOOKING_CANCELLED, key=f"k{n}", object_id=0)
        Notification.objects.create(user=kim, event=event, channel=Channel.DIGEST)

    # when
    tasks.send_digest(kim.pk)
    tasks.send_digest(kim.pk)

    # then
    (digest,) = mails_to(kim)
    assert "daily digest (2)" in digest.subject
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_it_records_each_booking_change_once(
    sales_team, scored, django_capture_on_commit_callbacks
):
    # given
    sam, _kim = sales_team
    assessment, _token = scored
    first, second, third = SlotFactory(), SlotFactory(), SlotFactory()
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        made = _book(first, assessment)
        booking.reschedule(booking=made, new_slot_id=second.pk)
        booking.reschedule(booking=made, new_slot_id=third.pk)
        booking.cancel(booking=made)
        booking.cancel(booking=made)

    # then
    types = list(
        Event.objects.filter(type__startswith="booking.")
        .order_by("pk")
        .values_list("type", flat=True)
    )
    assert types == [
        "booking.created",
        "booking.rescheduled",
        "booking.rescheduled",
        "booking.cancelled",
    ]
    subjects = [m.subject for m in mails_to(sam)]
    assert len(subjects) == 4
    assert all(f"/dashboard/leads/{assessment.pk}/" in m.body for m in mails_to(sam))


def test_it_rolls_the_event_back_with_its_booking(sales_team, django_capture_on_commit_callbacks):
    # given: a slot in the past cannot be booked
    slot = SlotFactory(
        start=NOW - timedelta(days=1), end=NOW - timedelta(days=1) + timedelta(hours=1)
    )

    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(booking.SlotTaken),
    ):
        _book(slot)

    assert not Event.objects.exists()
    assert mail.outbox == []


def test_an_event_is_recorded_once_in_one_insert(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    from apps.notifications.services import events

    def record() -> None:
        events.record_event(event_type=EventType.ASSESSMENT_SCORED, key="assessment_scored:7")

    # when: recorded, then recorded again (a re-scoring, or two scorings of one row at once),
    # each time in one statement
    with (
        django_capture_on_commit_callbacks(execute=False) as first,
        django_assert_num_queries(1),
    ):
        record()
    with (
        django_capture_on_commit_callbacks(execute=False) as again,
        django_assert_num_queries(1),
    ):
        record()

    # then one event, and each asked for a fan-out run (coalesced; a second finds nothing)
    assert Event.objects.count() == 1
    assert [callback.args[0] for callback in first + again] == [
        "notifications.dispatch_events",
        "notifications.dispatch_events",
    ]


def test_a_burst_of_leads_queues_one_fan_out_run_that_announces_them_all(
    sales_team, new_lead, django_capture_on_commit_callbacks
):
    from unittest import mock

    sam, kim = sales_team
    # when: three leads are scored while their fan-out run waits in the queue
    with mock.patch("apps.core.queue.publish") as publish:
        leads = [new_lead(company=f"Lab {n}") for n in range(3)]

    # then: one run was queued, and that run announces all three
    assert [c.args[0] for c in publish.call_args_list] == ["notifications.dispatch_events"]
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.dispatch_events() == 3
    assert len(mails_to(sam)) == len(mails_to(kim)) == 3
    assert set(Event.objects.values_list("assessment_id", flat=True)) == {a.pk for a in leads}
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()

    # and: a lead scored once that run has started queues a run of its own
    with mock.patch("apps.core.queue.publish") as publish:
        new_lead(company="Lab 4")
    assert [c.args[0] for c in publish.call_args_list] == ["notifications.dispatch_events"]


def test_the_periodic_run_announces_the_events_whose_run_was_lost(
    sales_team, new_lead, django_capture_on_commit_callbacks
):
    from unittest import mock

    sam, _kim = sales_team
    # given: a lead whose fan-out run never reached a worker
    with mock.patch("apps.core.queue.publish"):
        new_lead()
    assert mail.outbox == []

    # when: the beat's run comes (tasks run eagerly here), twice
    with django_capture_on_commit_callbacks(execute=True):
        tasks.dispatch_events()
        tasks.dispatch_events()

    # then: announced once
    assert len(mails_to(sam)) == 1
    assert "dispatch-events" in _beat_tasks()


def _beat_tasks() -> dict[str, str]:
    from django.conf import settings

    return {name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}


def test_one_fan_out_run_reads_the_users_and_endpoints_once_for_any_number_of_events(
    sales_team, django_capture_on_commit_callbacks
):
    from apps.notifications.services import events

    def record(count: int, start: int) -> None:
        with django_capture_on_commit_callbacks(execute=False):
            for n in range(start, start + count):
                events.record_event(event_type=EventType.ASSESSMENT_SCORED, key=f"k:{n}")

    def queries_for(count: int, start: int) -> int:
        record(count, start)
        with (
            django_capture_on_commit_callbacks(execute=False),
            CaptureQueriesContext(connection) as captured,
        ):
            assert events.dispatch_pending() == count
        return len(captured)

    assert queries_for(1, 0) == queries_for(20, 100)
    assert Notification.objects.count() == 2 * 21


def test_an_event_that_cannot_be_fanned_out_holds_back_no_other(
    sales_team, django_capture_on_commit_callbacks, caplog
):
    from unittest import mock

    from apps.notifications.services import events

    # given: three events, the second of which the fan-out fails on (a bug)
    with django_capture_on_commit_callbacks(execute=False):
        for n in range(3):
            events.record_event(event_type=EventType.ASSESSMENT_SCORED, key=f"k:{n}")
    broken = Event.objects.get(key="k:1")
    real_recipients = events.recipients

    def recipients(event, sales=None):
        if event.pk == broken.pk:
            raise RuntimeError("a bug")
        return real_recipients(event, sales)

    # when
    with (
        mock.patch.object(events, "recipients", recipients),
        django_capture_on_commit_callbacks(execute=False),
    ):
        assert events.dispatch_pending() == 3
        assert events.dispatch_pending() == 0

    # then: the other two reached both salespeople; the broken one is logged and not retried
    notified = set(Notification.objects.values_list("event__key", flat=True))
    assert notified == {"k:0", "k:2"}
    assert Notification.objects.count() == 4
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    assert f"event {broken.pk}: not fanned out" in caplog.text


def test_an_event_older_than_a_week_that_was_never_fanned_out_is_left_alone(
    sales_team, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from apps.notifications.services import events

    with django_capture_on_commit_callbacks(execute=False):
        events.record_event(event_type=EventType.ASSESSMENT_SCORED, key="old")
        events.record_event(event_type=EventType.ASSESSMENT_SCORED, key="new")
    Event.objects.filter(key="old").update(created_at=timezone.now() - timedelta(days=8))

    with django_capture_on_commit_callbacks(execute=False):
        assert events.dispatch_pending() == 1

    assert set(Notification.objects.values_list("event__key", flat=True)) == {"new"}
    assert Event.objects.get(key="old").dispatched_at is None
