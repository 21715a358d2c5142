"""What the assessments app announces, so apps above it react without being imported here.

- ``assessment_scored(sender=Assessment, assessment=…)``: a result was stored (first scoring
  or re-scoring); sent inside the scoring transaction, so receivers that queue work should
  queue it on commit (``apps.core.queue.enqueue`` does).
- ``report_files_released(sender=Assessment, names=[…])``: the stored report files of these
  assessments are no longer wanted (rows deleted or anonymised); sent after commit.
- ``assessments_deleting(sender=Assessment, ids=[…])``: these assessments are about to be
  deleted; sent inside the deleting transaction while the rows still exist, so receivers
  drop what they copied from them (a failing receiver rolls the deletion back).
"""

from django.dispatch import Signal

assessment_scored = Signal()
report_files_released = Signal()
assessments_deleting = Signal()
