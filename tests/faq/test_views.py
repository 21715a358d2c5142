import json
import re

import pytest
from django.urls import reverse

from .factories import FaqCategoryFactory, FaqFactory, make_faqs

pytestmark = pytest.mark.django_db

FAQ = reverse("faq:index")
# Categories, published questions with their categories.
FAQ_QUERIES = 2


@pytest.fixture
def faqs():
    basics = FaqCategoryFactory(name="Basics", order=0)
    gpus = FaqCategoryFactory(name="GPUs", order=1)
    return {
        "what": FaqFactory(
            category=basics, question="What is SLURM?", slug="what-is-slurm", answer="A scheduler."
        ),
        "share": FaqFactory(
            category=gpus,
            question="Can jobs share a GPU?",
            slug="gpu-sharing",
            answer="Yes, with MIG or time slicing.",
        ),
        "draft": FaqFactory(category=basics, question="Draft?", slug="draft", published=False),
    }


def _json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


def test_it_lists_published_questions_under_category_headings(client, faqs):
    response = client.get(FAQ)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h2 id="faq-category-basics" class="h4">Basics</h2>' in html
    assert '<article id="what-is-slurm"' in html
    assert '<a class="faq-anchor" href="#gpu-sharing">Can jobs share a GPU?</a>' in html
    assert "Draft?" not in html
    assert html.index("What is SLURM?") < html.index("Can jobs share a GPU?")


def test_it_searches_questions_and_answers(client, faqs):
    by_answer = client.get(FAQ, {"q": "time slicing"})
    by_question = client.get(FAQ, {"q": "slurm"})

    assert [f.slug for f in by_answer.context["faqs"]] == ["gpu-sharing"]
    assert [f.slug for f in by_question.context["faqs"]] == ["what-is-slurm"]


def test_it_filters_by_category(client, faqs):
    response = client.get(FAQ, {"category": "gpus"})

    assert [f.slug for f in response.context["faqs"]] == ["gpu-sharing"]


def test_it_explains_an_unknown_category_and_keeps_the_search(client, faqs):
    response = client.get(FAQ, {"category": "nope", "q": "gpu"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is no category “nope”" in html
    assert 'value="gpu"' in html


def test_it_says_when_nothing_matches(client, faqs):
    response = client.get(FAQ, {"q": "mainframe"})

    assert b"No question matches your search" in response.content
    assert b"application/ld+json" not in response.content


def test_it_returns_only_the_list_to_htmx(client, faqs):
    response = client.get(FAQ, {"q": "gpu"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="faq-list"')
    assert "<html" not in html
    assert "Can jobs share a GPU?" in html
    assert "What is SLURM?" not in html
    assert "HX-Request" in response["Vary"]


def test_it_describes_the_questions_as_a_faq_page_for_search_engines(client, faqs):
    data = _json_ld(client.get(FAQ).content.decode())

    assert data["@type"] == "FAQPage"
    assert [q["name"] for q in data["mainEntity"]] == ["What is SLURM?", "Can jobs share a GPU?"]
    assert data["mainEntity"][0]["acceptedAnswer"] == {
        "@type": "Answer",
        "text": "<p>A scheduler.</p>",
    }


def test_it_sanitises_answers_on_the_page_and_in_the_structured_data(client, faqs):
    FaqFactory(
        question="Hostile?",
        slug="hostile",
        answer="Fine </script><script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>",
    )

    html = client.get(FAQ).content.decode()

    assert "<script>alert(1)" not in html
    assert "javascript:alert" not in html
    assert "onerror" not in html
    # The JSON-LD block is closed only once, by its own end tag.
    ld_block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "</" not in ld_block
    assert "Hostile?" in [q["name"] for q in _json_ld(html)["mainEntity"]]


def test_the_faq_page_runs_the_same_queries_for_10_and_500_questions(
    client, django_assert_num_queries
):
    category = FaqCategoryFactory()
    make_faqs(count=10, category=category)
    with django_assert_num_queries(FAQ_QUERIES):
        client.get(FAQ, {"q": "question"})
    make_faqs(count=490, category=FaqCategoryFactory(), start=10)

    with django_assert_num_queries(FAQ_QUERIES):
        response = client.get(FAQ, {"q": "question"})

    assert len(response.context["faqs"]) == 500
