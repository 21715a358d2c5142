"""What the booking app announces, so apps above it react without being imported here.

Each is sent inside the booking's transaction with ``booking=`` the row as it now stands;
receivers that queue work queue it on commit (``apps.core.queue.enqueue`` does), so nothing
is announced for a booking that rolled back.

- ``booking_created(sender=Booking, booking=…)``: a prospect booked a slot.
- ``booking_cancelled(sender=Booking, booking=…)``: a confirmed booking was cancelled (once).
- ``booking_rescheduled(sender=Booking, booking=…)``: a booking moved to another slot;
  ``booking.sequence`` tells one move from the next.
"""

from django.dispatch import Signal

booking_created = Signal()
booking_cancelled = Signal()
booking_rescheduled = Signal()
