import pytest

from apps.questionnaire.services import publish

pytestmark = pytest.mark.django_db
URL = "/api/v1/questionnaire/"


def test_it_answers_404_with_a_message_before_anything_is_published(client):
    response = client.get(URL)

    assert response.status_code == 404
    assert response.json() == {"detail": "No questionnaire has been published yet."}


def test_it_serves_the_latest_published_version_without_weights(client, fixture_questionnaire):
    publish(questionnaire=fixture_questionnaire, user=None, summary="")

    response = client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"version", "title", "intro", "sections"}
    assert body["version"] == 1
    assert len(body["sections"]) == 6
    questions = {q["key"]: q for s in body["sections"] for q in s["questions"]}
    assert set(questions["largest_job_nodes"]) == {
        "key", "kind", "text", "help", "required", "allow_unknown", "unit",
        "min_value", "max_value", "condition", "choices",
    }  # fmt: skip
    assert questions["largest_job_nodes"]["min_value"] == 1
    assert questions["latency_sensitivity"]["condition"] == {
        "question": "mpi_share",
        "in": ["some", "half", "most"],
    }
    assert questions["interconnect"]["choices"][0] == {
        "key": "infiniband",
        "label": "InfiniBand or Slingshot",
    }
    assert b"rationale" not in response.content
    assert b"importance" not in response.content


def test_it_serves_the_newest_of_several_versions(client, small_questionnaire):
    publish(questionnaire=small_questionnaire, user=None, summary="")
    small_questionnaire.title = "Renamed"
    small_questionnaire.save(update_fields=["title"])
    publish(questionnaire=small_questionnaire, user=None, summary="")

    body = client.get(URL).json()

    assert (body["version"], body["title"]) == (2, "Renamed")


def test_it_reads_the_questionnaire_in_one_query(
    client, fixture_questionnaire, django_assert_num_queries
):
    publish(questionnaire=fixture_questionnaire, user=None, summary="")
    # The first request in a process also reads the version's snapshot, once: every later one
    # takes it from the per-process copy (questionnaire.services.snapshot_of).
    with django_assert_num_queries(2, exact=False):
        client.get(URL)

    with django_assert_num_queries(1):
        response = client.get(URL)

    assert response.status_code == 200


def test_it_describes_the_endpoint_in_the_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    schema = response.json()
    operation = schema["paths"]["/api/v1/questionnaire/"]["get"]
    assert set(operation["responses"]) == {"200", "404"}
    question = schema["components"]["schemas"]["QuestionnaireQuestion"]
    assert {"key", "kind", "choices", "condition", "min_value"} <= set(question["properties"])
