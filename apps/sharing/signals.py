"""What the sharing app announces, so apps above it react without being imported here.

- ``share_link_viewed(sender=ShareLinkView, view=…, viewer=…)``: a share link was opened
  (page or PDF) and the view logged; ``viewer`` is the signed-in staff user who opened it, or
  None for anyone else. Sent where the view is saved; receivers that queue work queue it on
  commit (``apps.core.queue.enqueue`` does).
"""

from django.dispatch import Signal

share_link_viewed = Signal()
