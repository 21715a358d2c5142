"""The outbox: tasks the broker refused, kept until it takes them (``apps.core.queue``)."""

from django.db import models
from django.utils import timezone


class OutboxMessageQuerySet(models.QuerySet["OutboxMessage"]):
    def oldest(self, limit: int) -> "OutboxMessageQuerySet":
        """The ``limit`` oldest messages, shaped for one flush of the outbox."""
        return self.order_by("pk")[:limit]


class OutboxMessage(models.Model):
    """One task that could not be published, with its JSON arguments; deleted once published.

    A row exists only while the broker is unreachable, so whatever the arguments carry (a
    resume link's token, an e-mail address) is kept no longer than the broker would keep it.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    options = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = "outbox message"

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
