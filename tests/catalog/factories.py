"""Factories for the knowledge base, and a bulk builder for large matrices."""

import datetime

import factory
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from apps.catalog.models import (
    Category,
    Feature,
    MatrixCell,
    Rating,
    Scenario,
    Source,
    Technology,
    TechnologyPoint,
)
from apps.catalog.services import content_changed


class TechnologyFactory(DjangoModelFactory):
    class Meta:
        model = Technology
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Technology {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = Technology.Kind.SCHEDULER
    tagline = factory.LazyAttribute(lambda o: f"{o.name} in one line")
    description = factory.LazyAttribute(lambda o: f"**{o.name}** schedules work.")
    homepage = factory.LazyAttribute(lambda o: f"https://{o.slug}.example.org/")
    first_release_year = 2003
    licence = "GPL-2.0"
    maintainer = "A foundation"
    is_option = True
    order = factory.Sequence(int)


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = "Things that belong together."
    order = factory.Sequence(int)


class FeatureFactory(DjangoModelFactory):
    class Meta:
        model = Feature
        django_get_or_create = ("slug",)

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Feature {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = "What the row is about."
    why_it_matters = "Why a buyer should care."
    order = factory.Sequence(int)


class MatrixCellFactory(DjangoModelFactory):
    class Meta:
        model = MatrixCell

    feature = factory.SubFactory(FeatureFactory)
    technology = factory.SubFactory(TechnologyFactory)
    rating = Rating.STRONG
    summary = factory.LazyAttribute(lambda o: f"{o.technology.name} on {o.feature.name}")
    detail = "Longer *explanation*."
    last_verified = datetime.date(2026, 1, 15)


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source

    cell = factory.SubFactory(MatrixCellFactory)
    title = factory.Sequence(lambda n: f"Manual page {n}")
    url = factory.Sequence(lambda n: f"https://docs.example.org/{n}")


class TechnologyPointFactory(DjangoModelFactory):
    class Meta:
        model = TechnologyPoint

    technology = factory.SubFactory(TechnologyFactory)
    kind = TechnologyPoint.Kind.STRENGTH
    title = factory.Sequence(lambda n: f"Point {n}")
    body = "Explained in *Markdown*."


class ScenarioFactory(DjangoModelFactory):
    class Meta:
        model = Scenario

    technology = factory.SubFactory(TechnologyFactory)
    title = factory.Sequence(lambda n: f"Scenario {n}")
    condition = "your jobs are tightly coupled MPI runs"
    explanation = "Because the scheduler was built for them."


def make_technologies(*slugs: str) -> list[Technology]:
    """Technologies with these slugs, in the given display order."""
    return [
        TechnologyFactory(slug=slug, name=slug.replace("-", " ").title(), order=index)
        for index, slug in enumerate(slugs)
    ]


def make_matrix(
    *, technologies: list[Technology], features: int, categories: int = 3, start: int = 0
) -> list[Feature]:
    """``features`` rated rows (with one source per cell) spread over a few categories.

    Built with bulk inserts so that a 500-row matrix takes a fraction of a second. Bulk
    inserts send no signals, so it announces the change itself, as a save in the admin does.
    """
    groups = [CategoryFactory(slug=f"group-{index}", order=index) for index in range(categories)]
    rows = Feature.objects.bulk_create(
        Feature(
            category=groups[number % categories],
            name=f"Capability {number}",
            slug=f"capability-{number}",
            description=f"Capability number {number}.",
            order=number,
        )
        for number in range(start, start + features)
    )
    ratings = [rating.value for rating in Rating]
    cells = MatrixCell.objects.bulk_create(
        MatrixCell(
            feature=row,
            technology=technology,
            rating=ratings[(index + column) % len(ratings)],
            summary=f"{technology.name} handles capability {index}",
            detail="",
            last_verified=datetime.date(2026, 1, 15),
        )
        for index, row in enumerate(rows)
        for column, technology in enumerate(technologies)
    )
    Source.objects.bulk_create(
        Source(cell=cell, title=f"Source for {cell.summary}", url="https://docs.example.org/")
        for cell in cells
    )
    content_changed()
    return rows
