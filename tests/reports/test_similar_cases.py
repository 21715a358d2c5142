"""The report's "Organisations like yours": the nearest published cases, with links, and a
plain sentence when a case chose another option than the one recommended."""

import datetime

import pytest
from django.urls import reverse

from apps.assessments import services
from apps.cases.models import Case, CaseAnswer, CaseSource
from apps.catalog.models import Technology
from apps.questionnaire.models import UNKNOWN
from apps.reports.builder import build_report
from tests.questionnaire.personas import PERSONAS

pytestmark = pytest.mark.django_db

PERSONA = "ML start-up training and serving in the cloud"


def _submit(answers, capture):
    """The prospect's submission, scored by the engine on the published fixture model."""
    with capture(execute=True):
        assessment, token = services.submit_answers(answers=answers, contact={}, consent=False)
    assessment.refresh_from_db()
    assert assessment.is_scored()
    return assessment, token


def _twin(answers, *, chose: Technology, why: str) -> Case:
    """A published case that answered exactly as the prospect did and chose ``chose``."""
    twin = Case.objects.create(
        slug="aaa-twin",
        name="Twin Computing",
        organisation="Twin",
        sector=Case.Sector.ENTERPRISE,
        summary="A deployment that answered exactly like the prospect.",
        chose=chose,
        why=why,
        status=Case.Status.PUBLISHED,
    )
    source = CaseSource.objects.create(
        case=twin,
        key="s1",
        title="Engineering blog",
        url="https://example.org/blog",
        states="Everything.",
        accessed=datetime.date(2026, 1, 1),
    )
    CaseAnswer.objects.bulk_create(
        CaseAnswer(case=twin, question_key=key, value=value, source=source)
        for key, value in answers.items()
        if value != UNKNOWN
    )
    return twin


def test_it_says_plainly_when_the_nearest_case_chose_differently(
    seeded, client, django_capture_on_commit_callbacks
):
    # given: the nearest case answered like the prospect but chose another option
    expected, answers = PERSONAS[PERSONA]
    other = Technology.objects.options().exclude(slug=expected).order_by("slug").first()
    recommended = Technology.objects.get(slug=expected)
    _twin(answers, chose=other, why="Their team already ran it.")
    assessment, token = _submit(answers, django_capture_on_commit_callbacks)

    # when
    report = build_report(assessment, show_contact=False)
    page = client.get(reverse("reports:result", kwargs={"token": token})).content.decode()

    # then
    nearest = report.similar_cases[0]
    assert (nearest.slug, nearest.similarity, nearest.chose) == ("aaa-twin", 1.0, other.slug)
    sentence = (
        f"Twin Computing chose {other.name}, not {recommended.name}: Their team already ran it."
    )
    assert nearest.differs_note == sentence
    assert sentence in page
    assert 'href="/cases/aaa-twin/"' in page


def test_it_says_nothing_more_when_the_nearest_case_chose_the_same(
    seeded, django_capture_on_commit_callbacks
):
    expected, answers = PERSONAS[PERSONA]
    _twin(answers, chose=Technology.objects.get(slug=expected), why="Same.")
    assessment, _token = _submit(answers, django_capture_on_commit_callbacks)

    nearest = build_report(assessment, show_contact=False).similar_cases[0]

    assert nearest.slug == "aaa-twin"
    assert nearest.differs_note == ""


def test_the_cases_are_the_published_ones_nearest_first(seeded, django_capture_on_commit_callbacks):
    _expected, answers = PERSONAS[PERSONA]
    assessment, _token = _submit(answers, django_capture_on_commit_callbacks)

    cases = build_report(assessment, show_contact=False).similar_cases

    assert len(cases) == 3
    assert [c.similarity for c in cases] == sorted((c.similarity for c in cases), reverse=True)
    published = set(Case.objects.published().values_list("slug", flat=True))
    assert {c.slug for c in cases} <= published
    assert all(c.url == f"/cases/{c.slug}/" for c in cases)
