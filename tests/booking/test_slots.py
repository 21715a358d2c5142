"""Slot generation from weekly rules across time zones and daylight-saving changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from apps.booking import services
from apps.booking.models import AvailabilityRule, Slot, local_to_utc

from .factories import BookingFactory, EngineerFactory, RuleFactory, SlotFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def generated(start: datetime, end: datetime) -> list[datetime]:
    services.generate_slots(start=start, end=end)
    return list(Slot.objects.order_by("start").values_list("start", flat=True))


def test_it_skips_a_wall_time_the_clock_jumps_over():
    assert local_to_utc(date(2025, 3, 30), time(2, 30), BERLIN) is None


def test_it_takes_the_first_of_a_repeated_wall_time():
    assert local_to_utc(date(2025, 10, 26), time(2, 30), BERLIN) == utc(2025, 10, 26, 0, 30)


def test_it_keeps_local_wall_times_across_the_berlin_spring_forward_week():
    # given a rule every day of the week 9:00-10:00 Berlin time
    engineer = EngineerFactory()
    for weekday in range(7):
        RuleFactory(engineer=engineer, weekday=weekday, start_time=time(9), end_time=time(10))

    # when generating the week around Sunday 30 March 2025 (CET -> CEST)
    starts = generated(utc(2025, 3, 27), utc(2025, 4, 2))

    # then 9:00 local is 08:00 UTC before the change and 07:00 UTC after it
    assert starts == [
        utc(2025, 3, 27, 8),
        utc(2025, 3, 28, 8),
        utc(2025, 3, 29, 8),
        utc(2025, 3, 30, 7),
        utc(2025, 3, 31, 7),
        utc(2025, 4, 1, 7),
    ]
    assert {start.astimezone(BERLIN).time() for start in starts} == {time(9)}


def test_it_drops_the_skipped_hour_on_the_spring_forward_night():
    RuleFactory(weekday=6, start_time=time(1), end_time=time(4))

    starts = generated(utc(2025, 3, 29), utc(2025, 3, 31))

    # 01:00 CET and 03:00 CEST; 02:00 does not exist that night.
    assert starts == [utc(2025, 3, 30, 0), utc(2025, 3, 30, 1)]


def test_it_takes_the_first_of_the_repeated_hour_on_the_fall_back_night():
    RuleFactory(weekday=6, start_time=time(1), end_time=time(4))

    starts = generated(utc(2025, 10, 25), utc(2025, 10, 27))

    # 01:00 CEST, the first 02:00 (CEST) and 03:00 CET: an hour of UTC stays unused.
    assert starts == [utc(2025, 10, 25, 23), utc(2025, 10, 26, 0), utc(2025, 10, 26, 2)]


def test_it_keeps_local_wall_times_across_the_berlin_fall_back_week():
    engineer = EngineerFactory()
    for weekday in range(7):
        RuleFactory(engineer=engineer, weekday=weekday, start_time=time(9), end_time=time(10))

    starts = generated(utc(2025, 10, 24), utc(2025, 10, 29))

    assert starts == [
        utc(2025, 10, 24, 7),
        utc(2025, 10, 25, 7),
        utc(2025, 10, 26, 8),
        utc(2025, 10, 27, 8),
        utc(2025, 10, 28, 8),
    ]


@pytest.mark.parametrize(
    ("monday", "expected"),
    [
        (date(2025, 3, 3), utc(2025, 3, 3, 15)),  # EST, UTC-5
        (date(2025, 3, 10), utc(2025, 3, 10, 14)),  # EDT from 9 March
        (date(2025, 10, 27), utc(2025, 10, 27, 14)),  # still EDT
        (date(2025, 11, 3), utc(2025, 11, 3, 15)),  # EST from 2 November
    ],
)
def test_it_follows_new_york_daylight_saving(monday, expected):
    RuleFactory(weekday=0, start_time=time(10), end_time=time(11), timezone="America/New_York")
    start = datetime.combine(monday, time(), tzinfo=UTC)

    assert generated(start, start + timedelta(days=1)) == [expected]


def test_it_puts_ten_in_new_york_and_three_in_berlin_at_the_same_instant_while_only_the_us_has_switched():
    RuleFactory(weekday=0, start_time=time(15), end_time=time(16), timezone="Europe/Berlin")
    RuleFactory(weekday=0, start_time=time(10), end_time=time(11), timezone="America/New_York")

    starts = generated(utc(2025, 3, 10), utc(2025, 3, 11))

    assert starts == [utc(2025, 3, 10, 14), utc(2025, 3, 10, 14)]


def test_it_spaces_slots_by_length_plus_buffer():
    RuleFactory(
        weekday=0, start_time=time(9), end_time=time(12), slot_minutes=60, buffer_minutes=15
    )

    starts = generated(utc(2030, 1, 7), utc(2030, 1, 8))

    assert [start.astimezone(BERLIN).time() for start in starts] == [time(9), time(10, 15)]
    slot = Slot.objects.first()
    assert (slot.end - slot.start, slot.buffer_minutes, slot.timezone) == (
        timedelta(hours=1),
        15,
        "Europe/Berlin",
    )


def test_it_respects_the_rule_validity_dates():
    RuleFactory(
        weekday=0, valid_from=date(2030, 1, 14), valid_until=date(2030, 1, 21), end_time=time(10)
    )

    starts = generated(utc(2030, 1, 1), utc(2030, 2, 1))

    assert [start.date() for start in starts] == [date(2030, 1, 14), date(2030, 1, 21)]


def test_it_generates_idempotently(frozen_now):
    RuleFactory(weekday=0)
    window = {"start": utc(2030, 1, 6), "end": utc(2030, 2, 3)}

    first = services.generate_slots(**window)
    second = services.generate_slots(**window)

    assert (first, second) == (12, 0)
    assert Slot.objects.count() == 12


def test_it_removes_free_future_slots_of_a_switched_off_rule_but_keeps_booked_ones(frozen_now):
    rule = RuleFactory(weekday=0, end_time=time(11))
    window = {"start": utc(2030, 1, 6), "end": utc(2030, 1, 14)}
    services.generate_slots(**window)
    booked = Slot.objects.order_by("start").first()
    BookingFactory(slot=booked)

    AvailabilityRule.objects.filter(pk=rule.pk).update(active=False)
    services.generate_slots(**window)

    assert list(Slot.objects.all()) == [booked]


def test_it_moves_free_slots_when_a_rule_changes(frozen_now):
    rule = RuleFactory(weekday=0, start_time=time(9), end_time=time(10))
    window = {"start": utc(2030, 1, 6), "end": utc(2030, 1, 14)}
    services.generate_slots(**window)

    AvailabilityRule.objects.filter(pk=rule.pk).update(start_time=time(14), end_time=time(15))
    services.generate_slots(**window)

    assert list(Slot.objects.values_list("start", flat=True)) == [utc(2030, 1, 7, 13)]


def test_it_leaves_single_slots_alone(frozen_now):
    single = SlotFactory()

    services.generate_slots(start=utc(2030, 1, 6), end=utc(2030, 2, 6))

    assert list(Slot.objects.all()) == [single]


def test_it_validates_rule_windows():
    rule = AvailabilityRule(
        engineer=EngineerFactory(),
        weekday=0,
        start_time=time(9),
        end_time=time(9, 30),
        slot_minutes=60,
        timezone="Mars/Olympus",
        valid_from=date(2030, 1, 2),
        valid_until=date(2030, 1, 1),
    )

    with pytest.raises(ValidationError) as error:
        rule.full_clean()

    assert set(error.value.message_dict) == {"end_time", "timezone", "valid_until"}
