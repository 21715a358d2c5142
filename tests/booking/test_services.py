"""Free slots, booking, cancelling, moving, and the pre-brief."""

from datetime import UTC, datetime, timedelta

import pytest
from celery import current_app
from django.core import mail
from django.db import IntegrityError
from kombu.exceptions import OperationalError as KombuOperationalError

from apps.assessments import services as assessment_services
from apps.assessments.models import Assessment
from apps.booking import services
from apps.booking.models import Booking, Slot
from apps.core.tokens import hash_token

from .factories import NOW, BookingFactory, EngineerFactory, SlotFactory, scored_assessment

pytestmark = pytest.mark.django_db


def at(hour: int, minute: int = 0, day: int = 7) -> datetime:
    return datetime(2030, 1, day, hour, minute, tzinfo=UTC)


def single(engineer, start: datetime, minutes: int = 60, buffer: int = 0) -> Slot:
    return SlotFactory(
        engineer=engineer,
        start=start,
        end=start + timedelta(minutes=minutes),
        buffer_minutes=buffer,
    )


def free_ids() -> list[int]:
    return [slot.pk for slot in Slot.objects.free(start=at(0, day=1), end=at(0, day=28))]


def book(slot: Slot, **extra) -> Booking:
    fields = {"name": "Ada", "email": "ada@example.org", "timezone": "Europe/Berlin"}
    return services.book(slot_id=slot.pk, **{**fields, **extra})


def test_it_hides_past_slots(frozen_now):
    engineer = EngineerFactory()
    past = single(engineer, datetime(2030, 1, 6, 11, tzinfo=UTC))
    future = single(engineer, datetime(2030, 1, 6, 13, tzinfo=UTC))

    assert free_ids() == [future.pk]
    assert past.pk not in free_ids()


def test_it_hides_booked_slots_and_neighbours_inside_the_buffer(frozen_now):
    # given a booked 10:00-11:00 slot that wants 30 minutes around it
    engineer, other = EngineerFactory(), EngineerFactory()
    booked = single(engineer, at(10), buffer=30)
    too_close_after = single(engineer, at(11, 15))
    far_enough_after = single(engineer, at(11, 30))
    too_close_before = single(engineer, at(9), minutes=45)
    other_engineer = single(other, at(11, 15))
    BookingFactory(slot=booked)

    # then only slots at least 30 minutes away, or another engineer's, are free
    assert free_ids() == [other_engineer.pk, far_enough_after.pk]
    assert {too_close_after.pk, too_close_before.pk}.isdisjoint(free_ids())


def test_it_frees_a_slot_again_when_its_booking_is_cancelled(frozen_now):
    slot = single(EngineerFactory(), at(10))
    BookingFactory(slot=slot, status=Booking.Status.CANCELLED)

    assert free_ids() == [slot.pk]


def test_it_lists_free_slots_in_two_queries(frozen_now, django_assert_num_queries):
    engineers = [EngineerFactory() for _ in range(3)]
    for n in range(30):
        slot = single(engineers[n % 3], at(8) + timedelta(hours=n))
        if n % 4 == 0:
            BookingFactory(slot=slot)

    with django_assert_num_queries(2):
        slots = Slot.objects.free(start=at(0), end=at(0, day=20))
        names = {slot.engineer_name for slot in slots}

    assert len(slots) == 22
    assert len(names) == 3


def queued(callbacks) -> list[str]:
    """The names of the tasks queued on commit (``apps.core.queue.enqueue``'s callbacks)."""
    return [callback.args[0] for callback in callbacks]


def test_it_books_a_free_slot_with_a_private_token_and_the_pre_brief(
    frozen_now, django_capture_on_commit_callbacks
):
    slot = single(EngineerFactory(), at(10))
    assessment = scored_assessment()

    with django_capture_on_commit_callbacks() as callbacks:
        booking = book(slot, company="ACME", notes="MPI jobs", assessment=assessment)

    booking.refresh_from_db()
    assert (booking.slot, booking.status, booking.assessment) == (slot, "confirmed", assessment)
    assert booking.token_hash == hash_token(services.manage_token(booking))
    assert len(services.manage_token(booking)) == 64
    assert booking.brief["recommendation"] == assessment.result["recommendation"]
    assert booking.brief == services.build_brief(assessment)
    assert queued(callbacks) == ["booking.send_confirmation", "notifications.dispatch_events"]
    assert slot.pk not in free_ids()


def test_it_refuses_a_taken_slot_and_offers_the_nearest_free_ones(frozen_now):
    engineer = EngineerFactory()
    taken = single(engineer, at(12))
    nearby = [single(engineer, at(hour)) for hour in (8, 10, 14, 16, 18)]
    far = single(engineer, at(10, day=20))
    book(taken)

    with pytest.raises(services.SlotTaken) as error:
        book(taken, name="Bob")

    assert [slot.pk for slot in error.value.alternatives] == [slot.pk for slot in nearby]
    assert far not in error.value.alternatives
    assert Booking.objects.count() == 1
    assert "taken" in str(error.value)


def test_it_refuses_a_slot_that_clashes_with_a_booked_neighbour(frozen_now):
    engineer = EngineerFactory()
    book(single(engineer, at(10), buffer=30))
    neighbour = single(engineer, at(11, 10))

    with pytest.raises(services.SlotTaken):
        book(neighbour)


def test_it_refuses_a_slot_that_has_started(frozen_now):
    slot = single(EngineerFactory(), datetime(2030, 1, 6, 11, 30, tzinfo=UTC))

    with pytest.raises(services.SlotTaken):
        book(slot)


def test_it_refuses_a_slot_that_no_longer_exists(frozen_now):
    slot = single(EngineerFactory(), at(10))
    slot_id = slot.pk
    slot.delete()

    with pytest.raises(services.SlotTaken):
        services.book(slot_id=slot_id, name="Ada", email="ada@example.org")


def test_it_allows_one_confirmed_booking_per_slot_in_the_database(frozen_now):
    slot = single(EngineerFactory(), at(10))
    BookingFactory(slot=slot, status=Booking.Status.CANCELLED)
    BookingFactory(slot=slot)

    with pytest.raises(IntegrityError):
        BookingFactory(slot=slot)


def test_it_cancels_once(frozen_now, django_capture_on_commit_callbacks):
    booking = BookingFactory(slot=single(EngineerFactory(), at(10)))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.cancel(booking=booking)
        services.cancel(booking=booking)

    booking.refresh_from_db()
    assert (booking.status, booking.sequence) == ("cancelled", 1)
    assert booking.cancelled_at == NOW
    assert queued(callbacks) == ["booking.send_cancellation", "notifications.dispatch_events"]
    assert booking.cancellation_sent_at == NOW
    assert [message.to[0] for message in mail.outbox] == [
        "ada@example.org",
        booking.slot.engineer.email,
    ]
    assert booking.slot.pk in free_ids()


def test_it_moves_a_booking_freeing_the_old_slot(frozen_now, django_capture_on_commit_callbacks):
    engineer = EngineerFactory()
    old, new = single(engineer, at(10)), single(engineer, at(14))
    booking = book(old)
    Booking.objects.filter(pk=booking.pk).update(reminder_sent_at=NOW)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        moved = services.reschedule(booking=booking, new_slot_id=new.pk)

    moved.refresh_from_db()
    assert (moved.pk, moved.slot, moved.sequence) == (booking.pk, new, 1)
    assert moved.reminder_sent_at is None
    assert moved.rescheduled_at == NOW
    assert free_ids() == [old.pk]
    assert queued(callbacks) == ["booking.send_confirmation", "notifications.dispatch_events"]
    assert moved.notified_sequence == 1
    assert mail.outbox[0].subject.startswith("Your technical assessment has moved to")


def test_it_books_while_the_broker_is_down(
    frozen_now, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    # given a broker that refuses every message
    def refuse(*args, **kwargs):
        raise KombuOperationalError("broker down")

    task = current_app.tasks["booking.send_confirmation"]
    monkeypatch.setattr(type(task), "apply_async", refuse)
    slot = single(EngineerFactory(), at(10))

    # when a visitor books
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(slot)

    # then the booking stands, no mail went out and the outage is logged
    assert Booking.objects.confirmed().get() == booking
    assert mail.outbox == []
    assert "broker unreachable: booking.send_confirmation" in caplog.text


def test_it_moves_a_booking_next_to_its_own_old_slot_despite_the_buffer(frozen_now):
    engineer = EngineerFactory()
    old = single(engineer, at(10), buffer=30)
    next_door = single(engineer, at(11), buffer=30)
    booking = book(old)

    moved = services.reschedule(booking=booking, new_slot_id=next_door.pk)

    assert moved.slot == next_door


def test_it_leaves_a_booking_alone_when_the_new_slot_is_taken(frozen_now):
    engineer = EngineerFactory()
    mine, theirs = single(engineer, at(10)), single(engineer, at(14))
    booking = book(mine)
    book(theirs, email="other@example.org")

    with pytest.raises(services.SlotTaken):
        services.reschedule(booking=booking, new_slot_id=theirs.pk)

    booking.refresh_from_db()
    assert (booking.slot, booking.sequence) == (mine, 0)


def test_it_does_not_move_a_cancelled_booking(frozen_now):
    engineer = EngineerFactory()
    booking = BookingFactory(slot=single(engineer, at(10)), status=Booking.Status.CANCELLED)

    with pytest.raises(services.NotChangeable):
        services.reschedule(booking=booking, new_slot_id=single(engineer, at(14)).pk)


def option_names(assessment: Assessment) -> dict[str, str]:
    return {o["slug"]: o["name"] for o in assessment.scoring_model.snapshot["options"]}


def question_texts(assessment: Assessment) -> dict[str, str]:
    snapshot = assessment.scoring_model.snapshot
    return {q["key"]: q["text"] for s in snapshot["sections"] for q in s["questions"]}


def test_it_builds_the_pre_brief_from_the_engine_result():
    # the booking lead (factories.ANSWERS): Kubernetes, four risks, two "don't know"
    assessment = scored_assessment()
    result = assessment.result
    recommended, runner_up = result["recommendation"], result["runner_up"]
    assert [risk["level"] for risk in result["risks"]] == ["high", "medium", "medium", "low"]
    assert result["unknown"] == ["job_volume", "multi_site"]

    brief = services.build_brief(assessment)

    assert (brief["assessment_id"], brief["status"]) == (assessment.pk, "scored")
    assert (brief["recommendation"], brief["runner_up"]) == (recommended, runner_up)
    names = option_names(assessment)
    assert (brief["recommendation_name"], brief["runner_up_name"]) == (
        names[recommended],
        names[runner_up],
    )
    assert brief["fit"] == result["scores"][recommended]["fit"]
    assert brief["fit"] != result["scores"][runner_up]["fit"]
    assert (brief["confidence"], brief["confidence_label"], brief["close_call"]) == (
        result["confidence"],
        result["confidence_label"],
        result["close_call"],
    )
    # the three most serious risks, most serious first: the low one is left out
    assert brief["risks"] == [
        {key: risk[key] for key in ("level", "title", "improvement", "option")}
        for risk in result["risks"][:3]
    ]
    # "don't know" answers as the questions' texts, in the engine's order
    texts = question_texts(assessment)
    assert brief["unknown"] == [texts["job_volume"], texts["multi_site"]]


def test_it_puts_the_most_serious_risks_first_whatever_order_they_were_stored_in():
    assessment = scored_assessment()
    engine_order = assessment.result["risks"]
    assessment.result["risks"] = engine_order[::-1]  # low first, high last

    brief = services.build_brief(assessment)

    assert [risk["level"] for risk in brief["risks"]] == ["high", "medium", "medium"]
    assert {risk["title"] for risk in brief["risks"]} == {
        risk["title"] for risk in engine_order[:3]
    }


def test_it_builds_a_short_brief_for_an_assessment_without_result():
    assessment = Assessment.objects.create(token_hash=hash_token("draft"))

    assert services.build_brief(assessment) == {
        "assessment_id": assessment.pk,
        "status": "draft",
    }
    assert services.build_brief(None) == {}


def test_it_survives_a_malformed_result():
    assessment = scored_assessment()
    assessment.result = {
        "recommendation": "nomad",
        "risks": ["odd", {"level": ["high"], "title": 7}],
        "scores": {"nomad": 5},
        "confidence": "very",
        "unknown": None,
    }

    brief = services.build_brief(assessment)

    # an option the snapshot does not name keeps its slug; fit falls back to the engine's fit
    # denormalised onto the assessment
    assert assessment.fit is not None
    assert (brief["recommendation_name"], brief["fit"], brief["confidence"]) == (
        "nomad",
        assessment.fit,
        None,
    )
    assert brief["risks"] == [{"level": None, "title": None, "improvement": None, "option": None}]
    assert brief["unknown"] == []
    assessment.result = {"recommendation": ["slurm"], "scores": [], "unknown": [["x"]]}
    assert services.build_brief(assessment)["unknown"] == ["['x']"]


def test_it_drops_the_pre_brief_when_the_prospect_deletes_the_assessment(frozen_now):
    # given a booking whose pre-brief copies the assessment's result
    assessment = scored_assessment()
    kept = BookingFactory(assessment=scored_assessment("another-token"), slot=SlotFactory())
    booking = BookingFactory(assessment=assessment, slot=SlotFactory())
    for row in (booking, kept):
        row.brief = services.build_brief(row.assessment)
        row.save(update_fields=["brief"])

    # when
    assessment_services.delete_assessment(assessment=assessment)

    # then
    booking.refresh_from_db()
    kept.refresh_from_db()
    assert (booking.assessment, booking.brief) == (None, {})
    assert (
        kept.brief["recommendation_name"]
        == option_names(kept.assessment)[kept.assessment.result["recommendation"]]
    )


def test_it_drops_the_pre_brief_of_a_purged_draft(frozen_now):
    draft = scored_assessment()
    Assessment.objects.filter(pk=draft.pk).update(
        status=Assessment.Status.DRAFT, updated_at=NOW - timedelta(days=365)
    )
    booking = BookingFactory(
        assessment=draft, brief={"assessment_id": draft.pk}, slot=SlotFactory()
    )

    assert assessment_services.purge_stale_drafts() >= 1

    booking.refresh_from_db()
    assert booking.brief == {}


def test_the_pre_brief_holds_no_contact_details_that_anonymising_would_leave():
    # Anonymising blanks the assessment's contact fields; the brief never copied them.
    assessment = scored_assessment()
    assessment.contact_email = "ada@example.org"

    brief = services.build_brief(assessment)

    assert brief["risks"]
    assert brief["unknown"]
    for contact in ("Ada Prospect", "Analytical Engines", "ada@example.org"):
        assert contact not in repr(brief)
