"""The questionnaire's publish step shows the case library's calibration of the draft beside
the current version's, and a draft that ranks fewer documented choices first needs a reason."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.cases.calibration import calibrate, calibration_check
from apps.cases.models import Case
from apps.catalog.models import Technology
from apps.questionnaire.models import Choice, Question, ScoringModel, Weight
from apps.questionnaire.services import PublishError, publish

CHANGELIST = reverse("admin:questionnaire_questionnaire_changelist")


@pytest.fixture
def publisher(editor):
    editor.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="questionnaire",
            codename__in=["view_questionnaire", "change_questionnaire", "add_scoringmodel"],
        )
    )
    return editor


@pytest.fixture
def first_case(cases):
    """A test case whose choice version 1 ranks first."""
    return next(row for row in calibrate(model=cases).rows if row.rank == 1)


@pytest.fixture
def worse_draft(cases, first_case):
    """A draft that costs that case's choice its first place: a heavy penalty on its workload."""
    case = Case.objects.get(slug=first_case.slug)
    answer = case.answers.get(question_key="workload_mix")
    Weight.objects.update_or_create(
        choice=Choice.objects.get(question__key="workload_mix", key=answer.value),
        option=Technology.objects.get(slug=first_case.chose),
        defaults={"points": Decimal("-200"), "rationale": "A test penalty."},
    )
    return cases


@pytest.fixture
def harmless_draft(cases):
    """A draft that changes only a question's help text."""
    question = Question.objects.get(key="workload_mix")
    question.help_text = f"{question.help_text} (reworded)"
    question.save()
    return cases


def _publish(client, model, **data):
    questionnaire = model.questionnaire
    form = {"action": "publish_version", "_selected_action": [questionnaire.pk], **data}
    return client.post(CHANGELIST, form, follow="post" in data)


def test_the_panel_shows_both_figures_and_the_changed_cases(
    client, publisher, worse_draft, first_case
):
    client.force_login(publisher)
    current = calibrate(model=worse_draft)

    page = _publish(client, worse_draft).content.decode()

    assert 'id="publish-calibration"' in page
    assert f"current (v1)</td><td>{current.top1:.2f}</td><td>{current.top2:.2f}</td>" in page
    assert "draft (v2)</td>" in page
    assert 'id="calibration-worse"' in page
    assert 'name="calibration_note"' in page
    changed = page.split('id="calibration-changed"', 1)[1].split("</table>", 1)[0]
    assert first_case.slug in changed
    chose = first_case.chose
    assert f"<td>{chose}</td><td>{chose}</td>" in changed  # chose it, and it is first today


def test_a_worse_draft_without_a_reason_is_refused(client, publisher, worse_draft):
    client.force_login(publisher)

    response = _publish(client, worse_draft, post="yes", summary="Penalise MPI")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="calibration-note-errors"' in page
    assert "ranks fewer documented choices first than version 1" in page
    assert ScoringModel.objects.count() == 1


def test_a_worse_draft_with_a_reason_is_published_with_reason_and_figures(
    client, publisher, worse_draft, first_case
):
    client.force_login(publisher)
    before = calibrate(model=worse_draft)

    response = _publish(
        client,
        worse_draft,
        post="yes",
        summary="Penalise MPI",
        calibration_note="The library over-represents MPI sites.",
    )

    assert "Published version 2." in response.content.decode()
    model = ScoringModel.objects.get(version=2)
    assert model.calibration_note == "The library over-represents MPI sites."
    figures = model.calibration
    assert figures is not None
    after = calibrate(model=model)
    assert figures["top1"] == round(after.top1, 4) < round(before.top1, 4)
    assert (figures["top2"], figures["cases"]) == (round(after.top2, 4), after.cases)
    assert figures["current"] == {
        "version": 1,
        "top1": round(before.top1, 4),
        "top2": round(before.top2, 4),
        "cases": before.cases,
    }
    assert {c["case"]: c["current"] for c in figures["changed"]}[first_case.slug] == (
        first_case.chose
    )
    # The version's page in the admin shows them.
    admin_page = client.get(reverse("admin:questionnaire_scoringmodel_change", args=[model.pk]))
    assert f"top1={after.top1:.2f}" in admin_page.content.decode()
    assert "over-represents MPI" in admin_page.content.decode()


def test_a_draft_that_is_not_worse_needs_no_reason(client, publisher, harmless_draft):
    client.force_login(publisher)

    page = _publish(client, harmless_draft).content.decode()
    response = _publish(client, harmless_draft, post="yes", summary="Reword a hint")

    assert 'id="calibration-worse"' not in page
    assert 'name="calibration_note"' not in page
    assert 'id="calibration-unchanged"' in page
    assert "Published version 2." in response.content.decode()
    model = ScoringModel.objects.get(version=2)
    assert model.calibration_note == ""
    figures = model.calibration
    assert figures is not None
    assert figures["top1"] == figures["current"]["top1"]
    assert figures["cases"] == Case.objects.published().count() == 2


def test_publish_itself_refuses_a_worse_draft_without_a_reason(worse_draft):
    with pytest.raises(PublishError, match="top-1"):
        publish(
            questionnaire=worse_draft.questionnaire,
            user=None,
            summary="Penalise",
            check=calibration_check(reason="  "),
        )

    assert ScoringModel.objects.count() == 1
