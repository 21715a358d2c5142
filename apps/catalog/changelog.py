"""The public changelog: what editors changed in the matrix after the initial load."""

from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import OuterRef
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from .models import MatrixCell, Rating, Technology
from .services import cached_rendering

# The latest change's date is cached with the catalog's renderings, as long as they are.
CACHE_TIMEOUT = 60 * 60


def rating_changes(*, technology: Technology | None = None) -> models.QuerySet[Any]:
    """The public changelog: matrix cells' rating changes, newest first, in one query.

    Each historical record of a cell is compared with the one before it (annotated as
    ``old_rating``; ``new_rating`` is None for a deletion). Records created without an editor
    (fixture loads, ``manage.py seed``, scripts) are the starting content, not changes:
    ``loaddata`` writes no history at all, and creations by no user are left out.
    """
    history = MatrixCell.history.model
    previous = history.objects.filter(
        id=OuterRef("id"), history_date__lt=OuterRef("history_date")
    ).order_by("-history_date", "-history_id")
    # The historical model is made at run time: django-stubs knows it only as Any.
    records: models.QuerySet[Any] = history.objects.exclude(
        history_type="+", history_user__isnull=True
    )
    if technology is not None:
        records = records.filter(technology_id=technology.pk)
    changes: models.QuerySet[Any] = (
        records.annotate(
            old_rating=models.Subquery(previous.values("rating")[:1]),
            new_rating=models.Case(
                models.When(history_type="-", then=models.Value(None)),
                default=models.F("rating"),
                output_field=models.IntegerField(null=True),
            ),
            # "Not assessed" (null) is its own state: compare with a value outside the scale.
            old_key=Coalesce("old_rating", -1),
            new_key=Coalesce("new_rating", -1),
        )
        .exclude(old_key=models.F("new_key"))
        .select_related("feature", "technology")
        .order_by("-history_date", "-history_id")
    )
    return changes


def rating_label(rating: int | None) -> str:
    """A rating's name, or "Not assessed" for a cell without one (or without a record)."""
    return str(Rating(rating).label) if rating is not None else _("Not assessed")


def latest_change_date(*, technology: Technology | None = None) -> datetime | None:
    """When the changelog (for one technology, or overall) last had an entry, cached per version."""
    key = f"catalog:latest-change:{technology.pk if technology else ''}"
    return cached_rendering(
        key,
        lambda: (
            rating_changes(technology=technology).values_list("history_date", flat=True).first()
        ),
        timeout=CACHE_TIMEOUT,
    )
