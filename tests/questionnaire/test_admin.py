import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.questionnaire.models import Choice, Question, RiskRule, ScoringModel, Section, Weight
from apps.questionnaire.services import publish

from .personas import PERSONAS

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:questionnaire_questionnaire_changelist")
MODELS = ["questionnaire", "section", "question", "choice", "weight", "riskrule"]


def _grant(user, *codenames):
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="questionnaire", codename__in=codenames)
    )


@pytest.fixture
def content_editor(editor):
    """An editor whose group rights are granted directly (the group migration lives elsewhere)."""
    _grant(
        editor,
        *[f"{verb}_{model}" for verb in ("view", "change", "add") for model in MODELS],
        "view_scoringmodel",
        "add_scoringmodel",
    )
    return editor


def _pages(questionnaire):
    question = Question.objects.filter(section__questionnaire=questionnaire).first()
    choice = Choice.objects.filter(question=question).first()
    rule = RiskRule.objects.filter(questionnaire=questionnaire).first()
    section = Section.objects.filter(questionnaire=questionnaire).first()
    pages = [
        CHANGELIST,
        reverse("admin:questionnaire_questionnaire_change", args=[questionnaire.pk]),
    ]
    for name, obj in [
        ("section", section),
        ("question", question),
        ("choice", choice),
        ("riskrule", rule),
    ]:
        pages += [
            reverse(f"admin:questionnaire_{name}_changelist"),
            reverse(f"admin:questionnaire_{name}_change", args=[obj.pk]),
            reverse(f"admin:questionnaire_{name}_history", args=[obj.pk]),
        ]
    return pages + [
        reverse("admin:questionnaire_questionnaire_history", args=[questionnaire.pk]),
        reverse("admin:questionnaire_scoringmodel_changelist"),
    ]


@pytest.mark.parametrize("persona", ["superuser", "content_editor"])
def test_it_renders_every_questionnaire_admin_page(client, request, persona, fixture_questionnaire):
    client.force_login(request.getfixturevalue(persona))

    for url in _pages(fixture_questionnaire):
        assert client.get(url).status_code == 200, url


def test_it_filters_questions_by_section_and_kind_and_searches_them(
    client, superuser, fixture_questionnaire
):
    client.force_login(superuser)
    url = reverse("admin:questionnaire_question_changelist")

    response = client.get(url, {"kind__exact": "number", "q": "nodes"})

    assert response.status_code == 200
    assert [q.key for q in response.context["cl"].result_list] == [
        "largest_job_nodes",
        "cluster_nodes",
    ]


def test_it_asks_for_confirmation_with_the_diff_before_publishing(
    client, content_editor, small_questionnaire
):
    client.force_login(content_editor)

    response = client.post(
        CHANGELIST, {"action": "publish_version", "_selected_action": [small_questionnaire.pk]}
    )

    assert response.status_code == 200
    assert "First version: 1 questions and 1 risk rules." in response.content.decode()
    assert b'name="summary"' in response.content
    assert not ScoringModel.objects.exists()


def test_it_publishes_with_the_summary_and_the_editor(client, content_editor, small_questionnaire):
    client.force_login(content_editor)

    response = client.post(
        CHANGELIST,
        {
            "action": "publish_version",
            "_selected_action": [small_questionnaire.pk],
            "post": "yes",
            "summary": "Initial weights",
        },
        follow=True,
    )

    model = ScoringModel.objects.get()
    assert (model.version, model.change_summary, model.published_by) == (
        1,
        "Initial weights",
        content_editor,
    )
    assert "Published version 1." in response.content.decode()


def test_it_requires_a_change_summary(client, content_editor, small_questionnaire):
    client.force_login(content_editor)

    response = client.post(
        CHANGELIST,
        {"action": "publish_version", "_selected_action": [small_questionnaire.pk], "post": "yes"},
    )

    assert response.status_code == 200
    assert b"This field is required." in response.content
    assert not ScoringModel.objects.exists()


def test_it_shows_the_diff_against_the_latest_version(client, content_editor, small_questionnaire):
    publish(questionnaire=small_questionnaire, user=None, summary="")
    Weight.objects.filter(option__slug="slurm").update(points=1)
    client.force_login(content_editor)

    response = client.post(
        CHANGELIST, {"action": "publish_version", "_selected_action": [small_questionnaire.pk]}
    )

    assert "slurm: +3 → +1 points." in response.content.decode()


def test_it_refuses_a_publish_without_changes(client, content_editor, small_questionnaire):
    publish(questionnaire=small_questionnaire, user=None, summary="")
    client.force_login(content_editor)
    data = {"action": "publish_version", "_selected_action": [small_questionnaire.pk]}

    confirmation = client.post(CHANGELIST, data)
    refused = client.post(CHANGELIST, {**data, "post": "yes", "summary": "Again"}, follow=True)

    assert b"Nothing has changed since version 1" in confirmation.content
    assert b'name="summary"' not in confirmation.content
    assert "Nothing has changed since version 1" in refused.content.decode()
    assert ScoringModel.objects.count() == 1


def test_it_offers_publishing_only_with_the_add_scoring_model_permission(
    client, outsider, small_questionnaire
):
    # Staff in no group, so only the permissions granted here count.
    _grant(outsider, "view_questionnaire", "change_questionnaire")
    client.force_login(outsider)

    page = client.get(CHANGELIST)
    client.post(
        CHANGELIST,
        {
            "action": "publish_version",
            "_selected_action": [small_questionnaire.pk],
            "post": "yes",
            "summary": "Sneaky",
        },
    )

    assert b"publish_version" not in page.content
    assert not ScoringModel.objects.exists()


# --- Published versions are read-only -------------------------------------------------------------


def test_it_shows_a_version_read_only_with_its_diff(client, superuser, small_questionnaire):
    publish(questionnaire=small_questionnaire, user=superuser, summary="One")
    Weight.objects.filter(option__slug="slurm").update(points=1)
    second = publish(questionnaire=small_questionnaire, user=superuser, summary="Two")
    client.force_login(superuser)

    response = client.get(reverse("admin:questionnaire_scoringmodel_change", args=[second.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert second.checksum in body
    assert "+3 → +1 points" in body
    assert 'name="_save"' not in body


def test_it_forbids_adding_changing_or_deleting_versions(client, superuser, small_questionnaire):
    model = publish(questionnaire=small_questionnaire, user=superuser, summary="One")
    client.force_login(superuser)

    add = client.get(reverse("admin:questionnaire_scoringmodel_add"))
    change = client.post(
        reverse("admin:questionnaire_scoringmodel_change", args=[model.pk]),
        {"change_summary": "Rewritten"},
    )
    delete = client.post(
        reverse("admin:questionnaire_scoringmodel_delete", args=[model.pk]), {"post": "yes"}
    )

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    model.refresh_from_db()
    assert model.change_summary == "One"


# --- Preview of the draft ---------------------------------------------------------------------


def _preview(questionnaire):
    return reverse("admin:questionnaire_questionnaire_preview", args=[questionnaire.pk])


def test_it_previews_the_draft_with_a_sample_answer_set(
    client, content_editor, fixture_questionnaire
):
    client.force_login(content_editor)

    response = client.get(_preview(fixture_questionnaire))

    assert response.status_code == 200
    result = response.context["result"]
    assert result["answered"] > 20
    assert b'id="preview-fits"' in response.content
    assert b'name="largest_job_nodes"' in response.content
    assert not ScoringModel.objects.exists()


def test_it_previews_entered_answers_with_unpublished_edits(
    client, content_editor, fixture_questionnaire
):
    _, answers = PERSONAS["classic CFD lab on InfiniBand"]
    Weight.objects.filter(choice__question__key="workload_mix", choice__key="mpi").update(points=-3)
    client.force_login(content_editor)

    response = client.get(_preview(fixture_questionnaire), {**answers, "score": "1"})

    result = response.context["result"]
    mpi = [
        c
        for c in result["contributions"]
        if c["question"] == "workload_mix" and c["answer"] == "mpi"
    ]
    assert {c["points"] for c in mpi} == {-6.0}
    assert result["answered"] == len(answers)


def test_it_shows_validation_errors_in_the_preview(client, content_editor, fixture_questionnaire):
    client.force_login(content_editor)

    response = client.get(_preview(fixture_questionnaire), {"largest_job_nodes": "0", "score": "1"})

    form = response.context["form"]
    assert form.errors["largest_job_nodes"] == ["Enter a number of at least 1."]
    assert form.errors["workload_mix"] == ["Please answer this question."]


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"largest_job_nodes": "many"}, "largest_job_nodes", "Enter a number."),
        ({"largest_job_nodes": "1e999"}, "largest_job_nodes", "Enter a number."),
        ({"workload_mix": "mpi", "mpi_share": ""}, "mpi_share", "Please answer this question."),
    ],
)
def test_it_checks_preview_answers_with_the_site_answer_rules(
    client, content_editor, fixture_questionnaire, answers, field, message
):
    client.force_login(content_editor)

    response = client.get(_preview(fixture_questionnaire), {**answers, "score": "1"})

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]


def test_it_keeps_the_preview_from_staff_without_rights(client, outsider, fixture_questionnaire):
    client.force_login(outsider)

    assert client.get(_preview(fixture_questionnaire)).status_code == 403
