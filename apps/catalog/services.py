"""The comparison matrix as the pages, the CSV export and the home page use it."""

import pickle
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from .models import Category, Feature, MatrixCell, Technology

# The pair the home page contrasts first: the two ends of the spectrum.
HEADLINE_PAIR = ("slurm", "kubernetes")
# Stored with everything cached from the knowledge base; replaced on every edit.
CONTENT_VERSION_KEY = "catalog:content-version"
T = TypeVar("T")


@dataclass(frozen=True)
class MatrixRow:
    """One feature and, for each chosen technology in order, its cell (None when not rated)."""

    feature: Feature
    entries: list[tuple[Technology, MatrixCell | None]]

    @property
    def cells(self) -> list[MatrixCell | None]:
        return [cell for _technology, cell in self.entries]

    def ratings(self) -> list[int | None]:
        """The ratings of the assessed cells; None for a missing cell, none for not assessed."""
        return [
            cell.rating if cell else None for cell in self.cells if not cell or cell.is_assessed
        ]

    def differs(self) -> bool:
        """True when the chosen technologies do not all have the same rating.

        A cell that is not assessed is an unknown, not a rating: it neither makes nor breaks
        agreement.
        """
        return len(set(self.ratings())) > 1

    def spread(self) -> int:
        """The gap between the best and the worst rating of the row.

        A missing cell counts as 0; a cell that is not assessed is left out.
        """
        ratings = [rating or 0 for rating in self.ratings()]
        return max(ratings) - min(ratings) if ratings else 0


@dataclass(frozen=True)
class MatrixGroup:
    category: Category
    rows: list[MatrixRow]


@dataclass(frozen=True)
class Matrix:
    technologies: list[Technology]
    groups: list[MatrixGroup]

    @property
    def rows(self) -> list[MatrixRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def count(self) -> int:
        return sum(len(group.rows) for group in self.groups)


@dataclass(frozen=True)
class HeadlineComparison:
    first: Technology
    second: Technology
    rows: list[MatrixRow]


def build_matrix(
    *,
    technologies: Sequence[Technology],
    category: Category | None = None,
    query: str = "",
    differ: bool = False,
) -> Matrix:
    """The matrix rows for these technologies (in the given order), grouped by category.

    ``query`` keeps rows where every word occurs in the feature's name or description or in
    the text of one of the chosen technologies' cells; ``differ`` keeps rows whose ratings are
    not all the same. Runs a fixed number of queries whatever the size of the matrix.
    """
    technologies = list(technologies)
    features = Feature.objects.for_matrix(technologies)
    if category is not None:
        features = features.filter(category=category)
    for word in query.split():
        features = features.filter(_word_matches(word, technologies))
    rows = [_row(feature, technologies) for feature in features]
    if differ:
        rows = [row for row in rows if row.differs()]
    groups = [
        MatrixGroup(category=group_category, rows=list(group_rows))
        for group_category, group_rows in groupby(rows, key=lambda row: row.feature.category)
    ]
    return Matrix(technologies=technologies, groups=groups)


def headline_differences(
    *, technologies: Sequence[Technology], limit: int = 6
) -> HeadlineComparison | None:
    """The rows where SLURM and Kubernetes (or else the first two technologies) differ most."""
    by_slug = {technology.slug: technology for technology in technologies}
    pair = [by_slug[slug] for slug in HEADLINE_PAIR if slug in by_slug]
    if len(pair) < 2:
        pair = list(technologies[:2])
    if len(pair) < 2:
        return None
    matrix = build_matrix(technologies=pair, differ=True)
    # sorted() is stable, so rows with the same gap keep the matrix order.
    rows = sorted(matrix.rows, key=lambda row: -row.spread())[:limit]
    return HeadlineComparison(first=pair[0], second=pair[1], rows=rows)


def matrix_csv_rows(matrix: Matrix) -> Iterator[list[str]]:
    """The matrix as spreadsheet rows: a header, then one row per feature.

    Raw text: write them with ``core.spreadsheets.SpreadsheetWriter``, which defuses formulas.
    """
    header = [_("Category"), _("Feature")]
    for technology in matrix.technologies:
        header += [
            _("%(name)s rating") % {"name": technology.name},
            _("%(name)s summary") % {"name": technology.name},
        ]
    yield header
    for row in matrix.rows:
        line = [row.feature.category.name, row.feature.name]
        for cell in row.cells:
            line += [cell.rating_label, cell.summary] if cell else ["", ""]
        yield line


def content_version() -> str:
    """A token that changes whenever anything in the knowledge base is saved or deleted.

    Without a working cache every call gives a new token, which turns caching off instead of
    serving stale content.
    """
    version = cache.get(CONTENT_VERSION_KEY)
    if version is None:
        cache.add(CONTENT_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(CONTENT_VERSION_KEY) or uuid.uuid4().hex
    return str(version)


def content_changed(**_kwargs: Any) -> None:
    """Signal receiver: the knowledge base changed, so renderings cached from it are stale."""
    cache.set(CONTENT_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def cached_rendering(
    key: str,
    render: Callable[[], T],
    *,
    timeout: int,
    keep: Callable[[T], bool] = lambda _value: True,
) -> T:
    """What ``render`` returns, from the cache while the knowledge base is unchanged.

    Each value is stored with the content version read before rendering; an edit
    (``content_changed``) makes every stored value stale at once. ``keep`` decides whether a
    fresh value may be stored.

    The process also keeps its own copy of what it stored or read (``_copies``), checked against
    the shared content version: a hit then costs one small read of the version instead of the
    whole value (the gzipped ``/compare/`` page is 37 KB; 0.08 against 0.12 ms of CPU).
    """
    version = cache.get(CONTENT_VERSION_KEY)
    if version is not None:
        copied = _copies.get(key, version)
        if copied is not None:
            return cast(T, copied)
        entry = cache.get(key)
        if entry is not None and entry[0] == version:
            _copies.put(key, version, entry[1], timeout)
            value: T = entry[1]
            return value
    version = version or content_version()
    value = render()
    if keep(value):
        cache.set(key, (version, value), timeout)
        _copies.put(key, version, value, timeout)
    return value


class _Copies:
    """This process's copies of cached renderings, the most recently used kept.

    Stored pickled, so that each caller gets an object of its own (a response is changed by
    the middleware that handles it); each expires with its shared entry's timeout.
    """

    KEPT = 32

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[Any, float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, version: Any) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version or entry[1] <= time.monotonic():
                return None
            self._entries.move_to_end(key)
        return pickle.loads(entry[2])

    def put(self, key: str, version: Any, value: Any, timeout: int) -> None:
        stored = (version, time.monotonic() + timeout, pickle.dumps(value))
        with self._lock:
            self._entries[key] = stored
            self._entries.move_to_end(key)
            while len(self._entries) > self.KEPT:
                self._entries.popitem(last=False)


_copies = _Copies()


def _row(feature: Feature, technologies: list[Technology]) -> MatrixRow:
    by_technology = {cell.technology_id: cell for cell in feature.cells.all()}
    entries = [(technology, by_technology.get(technology.pk)) for technology in technologies]
    return MatrixRow(feature=feature, entries=entries)


def _word_matches(word: str, technologies: list[Technology]) -> Q:
    cell_text = MatrixCell.objects.filter(
        Q(summary__icontains=word) | Q(detail__icontains=word),
        feature=OuterRef("pk"),
        technology__in=technologies,
    )
    return Q(name__icontains=word) | Q(description__icontains=word) | Q(Exists(cell_text))
