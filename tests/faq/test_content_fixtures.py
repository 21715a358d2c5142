"""The FAQ content in fixtures/030_faq.json loads and meets the content brief."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.faq.models import Faq, FaqCategory

FAQ_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "030_faq.json"

# The seed article's three questions, and the topics prospects ask about most.
REQUIRED_SLUGS = {
    "which-is-better",
    "how-we-recommend",
    "how-to-decide",
    "gpu-sharing",
    "mpi-on-kubernetes",
    "scale-limits",
    "slurm-on-kubernetes",
    "flux-el-capitan",
    "nvidia-schedmd",
    "containers-on-slurm",
    "accounting-fair-share",
    "cloud-bursting",
    "hybrid-cost",
    "how-scoring-works",
    "reproduce-report",
    "data-privacy",
}


@pytest.fixture
def faqs(db) -> None:
    call_command("loaddata", str(FAQ_FIXTURE), verbosity=0)


@pytest.mark.usefixtures("faqs")
def test_it_loads_at_least_twelve_published_faqs_covering_the_required_topics():
    assert Faq.objects.published().count() >= 12
    assert set(Faq.objects.values_list("slug", flat=True)) >= REQUIRED_SLUGS
    assert FaqCategory.objects.count() >= 3


@pytest.mark.usefixtures("faqs")
def test_it_leaves_the_same_rows_when_loaded_twice():
    before = (FaqCategory.objects.count(), Faq.objects.count())

    call_command("loaddata", str(FAQ_FIXTURE), verbosity=0)

    assert (FaqCategory.objects.count(), Faq.objects.count()) == before


@pytest.mark.usefixtures("faqs")
def test_it_renders_every_answer_without_scripts_and_with_safe_links():
    for faq in Faq.objects.all():
        html = faq.answer_html()

        assert "<p>" in html or "<ul>" in html, faq.slug
        assert "<script" not in html, faq.slug
        for href in re.findall(r'href="([^"]+)"', html):
            assert href.startswith(("https://", "/")), (faq.slug, href)


def test_it_contains_no_unverified_facts_or_todos():
    text = FAQ_FIXTURE.read_text(encoding="utf-8")

    assert "[U]" not in text
    assert "TODO" not in text
