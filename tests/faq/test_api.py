import pytest

from .factories import FaqCategoryFactory, FaqFactory

pytestmark = pytest.mark.django_db


def test_it_lists_only_published_questions_with_markdown_and_html(client):
    basics = FaqCategoryFactory(name="Basics", order=0)
    FaqFactory(
        category=basics,
        question="What is Flux?",
        slug="what-is-flux",
        answer="A *hierarchical* scheduler.",
    )
    FaqFactory(category=basics, question="Unpublished?", published=False)

    response = client.get("/api/v1/faqs/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "category": "basics",
            "category_name": "Basics",
            "question": "What is Flux?",
            "slug": "what-is-flux",
            "answer": "A *hierarchical* scheduler.",
            "answer_html": "<p>A <em>hierarchical</em> scheduler.</p>",
        }
    ]


def test_it_sanitises_the_html_answer(client):
    FaqFactory(answer='<script>alert(1)</script><a href="javascript:x()">x</a> **ok**')

    answer_html = client.get("/api/v1/faqs/").json()[0]["answer_html"]

    assert "<script" not in answer_html
    assert "javascript:" not in answer_html
    assert "<strong>ok</strong>" in answer_html


def test_it_lists_faqs_in_a_constant_number_of_queries(client, django_assert_num_queries):
    FaqFactory.create_batch(3)
    with django_assert_num_queries(1):
        client.get("/api/v1/faqs/")
    FaqFactory.create_batch(30)

    with django_assert_num_queries(1):
        response = client.get("/api/v1/faqs/")

    assert len(response.json()) == 33
