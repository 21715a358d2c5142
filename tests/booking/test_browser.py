"""The booking flow in a real browser: time zone detection, htmx slot picking, booking."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.booking.models import Booking, Slot

from .factories import EngineerFactory

pytestmark = pytest.mark.browser


def test_it_books_in_the_browsers_time_zone_with_htmx(page, live_server):
    # given a free slot two days ahead
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    slot = Slot.objects.create(
        engineer=EngineerFactory(), start=start, end=start + timedelta(hours=1)
    )

    # The site has no favicon yet; the browser's request for one must not count as a page error.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))

    # when a visitor in Berlin opens the booking page
    page.goto(f"{live_server.url}/booking/")

    # then the calendar switches to their zone and keeps it in the address
    page.wait_for_url("**/booking/?tz=Europe%2FBerlin")
    assert page.locator("#slot-calendar").get_by_text("shown in Europe/Berlin").is_visible()
    assert page.locator("#tz-select").input_value() == "Europe/Berlin"

    # when they pick the slot, the form loads beside the calendar
    page.locator(f'#slot-calendar a[href^="/booking/slot/{slot.pk}/"]').click()
    page.wait_for_url(f"**/booking/slot/{slot.pk}/**")
    assert page.locator("#slot-calendar").is_visible()
    page.get_by_label("Your name").fill("Ada Prospect")
    page.get_by_label("E-mail").fill("ada@example.org")
    page.get_by_label("Company or institution").fill("Analytical Engines")
    page.get_by_role("button", name="Book this time").click()

    # then they land on the confirmation with their manage link
    page.wait_for_url("**/booking/confirmed/**")
    assert page.get_by_role("heading", name="You are booked").is_visible()
    booking = Booking.objects.get()
    assert (booking.slot_id, booking.timezone) == (slot.pk, "Europe/Berlin")
