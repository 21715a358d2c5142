import pytest

from apps.assessments import services

pytestmark = pytest.mark.django_db


def test_it_lists_assessments_in_a_fixed_number_of_queries(
    client, superuser, pending, django_assert_max_num_queries
):
    assessment, _token = pending
    services.score_assessment(assessment_id=assessment.pk)
    for _ in range(5):
        services.start_assessment()
    client.force_login(superuser)

    with django_assert_max_num_queries(12):
        response = client.get("/admin/assessments/assessment/")

    assert response.status_code == 200
    assert b"field-fit_display" in response.content


def test_it_shows_an_assessment_read_only(client, superuser, pending):
    assessment, _token = pending
    services.score_assessment(assessment_id=assessment.pk)
    client.force_login(superuser)

    response = client.get(f"/admin/assessments/assessment/{assessment.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "&quot;recommendation&quot;:" in html
    assert 'name="contact_name"' not in html
    assert client.get("/admin/assessments/assessment/add/").status_code == 403


def test_it_searches_and_filters_assessments(client, superuser, pending):
    client.force_login(superuser)

    found = client.get("/admin/assessments/assessment/?q=nobody&status__exact=pending")

    assert found.status_code == 200
