"""The knowledge-base content in fixtures/010_catalog.json loads and meets the content brief."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count, Q

from apps.catalog.models import Category, Feature, Scenario, Technology, TechnologyPoint
from apps.core.markdown import render_markdown

CATALOG = Path(settings.BASE_DIR) / "fixtures" / "010_catalog.json"

TECHNOLOGIES = ["slurm", "kubernetes", "slurm-on-kubernetes", "flux", "hybrid"]
FEATURES_BY_CATEGORY = {
    "workloads": [
        "design-target",
        "long-running-services",
        "mlops-integration",
        "heterogeneous-jobs",
        "high-throughput",
    ],
    "scheduling": [
        "scheduling-model",
        "backfill",
        "gang-scheduling",
        "fair-share",
        "quotas-qos",
        "preemption",
        "reservations",
    ],
    "accelerators": [
        "gpu-request",
        "gpu-sharing",
        "device-abstraction",
        "topology-aware-placement",
    ],
    "networking": ["mpi-launch", "hpc-fabric", "network-latency"],
    "operations": [
        "node-scale",
        "control-plane",
        "elasticity",
        "multi-cluster",
        "upgrades-availability",
        "metrics-health",
    ],
    "platform": [
        "containers",
        "shared-filesystems",
        "user-access",
        "accounting",
        "security-model",
        "rest-api",
        "community-maturity",
        "commercial-support",
        "licence-governance",
    ],
}


def _row_counts() -> dict[str, int]:
    models = [Technology, Category, Feature, TechnologyPoint, Scenario]
    return {model.__name__: model.objects.count() for model in models}


def _contrast_on_white(hex_colour: str) -> float:
    """WCAG 2 contrast ratio of a colour against white."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


@pytest.fixture
def catalog(db) -> None:
    call_command("loaddata", str(CATALOG), verbosity=0)


@pytest.mark.usefixtures("catalog")
def test_it_loads_the_five_technologies_as_recommendation_options():
    assert list(Technology.objects.options().values_list("slug", flat=True)) == TECHNOLOGIES
    assert Technology.objects.get(slug="hybrid").kind == Technology.Kind.HYBRID


@pytest.mark.usefixtures("catalog")
def test_it_has_every_feature_of_the_brief_in_its_category():
    loaded = {f.slug: f.category.slug for f in Feature.objects.select_related("category")}

    expected = {slug: cat for cat, slugs in FEATURES_BY_CATEGORY.items() for slug in slugs}
    assert loaded == expected
    assert Category.objects.count() >= 6
    assert len(loaded) >= 24
    assert all(f.description and f.why_it_matters for f in Feature.objects.all())


@pytest.mark.usefixtures("catalog")
def test_it_gives_every_technology_three_strengths_and_three_weaknesses():
    counts = Technology.objects.annotate(
        strengths=Count("points", filter=Q(points__kind=TechnologyPoint.Kind.STRENGTH)),
        weaknesses=Count("points", filter=Q(points__kind=TechnologyPoint.Kind.WEAKNESS)),
    )

    assert {t.slug: t.strengths >= 3 and t.weaknesses >= 3 for t in counts} == dict.fromkeys(
        TECHNOLOGIES, True
    )


@pytest.mark.usefixtures("catalog")
def test_it_has_scenarios_for_every_technology_including_hybrid():
    with_scenarios = set(Scenario.objects.values_list("technology__slug", flat=True))

    assert with_scenarios == set(TECHNOLOGIES)


@pytest.mark.usefixtures("catalog")
def test_it_leaves_the_same_rows_when_loaded_twice():
    before = _row_counts()

    call_command("loaddata", str(CATALOG), verbosity=0)

    assert _row_counts() == before
    assert before["Technology"] == 5


@pytest.mark.usefixtures("catalog")
def test_it_gives_technologies_distinct_chart_colours_readable_on_white():
    colours = list(Technology.objects.values_list("colour", flat=True))

    assert len(set(colours)) == len(colours)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)
    assert all(_contrast_on_white(c) >= 4.5 for c in colours)


@pytest.mark.usefixtures("catalog")
def test_it_renders_all_markdown_without_scripts():
    texts = [
        *Technology.objects.values_list("description", flat=True),
        *TechnologyPoint.objects.values_list("body", flat=True),
        *Scenario.objects.values_list("explanation", flat=True),
    ]

    for text in texts:
        html = render_markdown(text)
        assert html.strip()
        assert "<script" not in html


def test_it_contains_no_unverified_facts_or_todos():
    text = CATALOG.read_text(encoding="utf-8")

    assert "[U]" not in text
    assert "TODO" not in text
