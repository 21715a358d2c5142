from django.urls import reverse

from apps.cases.models import Case

CHANGELIST = reverse("admin:cases_case_changelist")


def _mark_reviewed(client, ids):
    return client.post(
        CHANGELIST, {"action": "mark_reviewed", "_selected_action": ids}, follow=True
    )


def test_an_editor_marks_cases_reviewed_by_themselves_today(client, cases, editor):
    client.force_login(editor)
    case = Case.objects.get(slug="test-mpi-university")

    response = _mark_reviewed(client, [case.pk])

    assert response.status_code == 200
    case.refresh_from_db()
    assert case.reviewed_by == editor
    assert case.reviewed_on is not None
    assert case.history.first().reviewed_by_id == editor.pk


def test_sales_read_cases_but_cannot_edit_or_review(client, cases, sales):
    client.force_login(sales)
    case = Case.objects.get(slug="test-mpi-university")

    assert client.get(CHANGELIST).status_code == 200
    assert client.get(CHANGELIST, {"chose__id__exact": case.chose_id}).status_code == 200
    _mark_reviewed(client, [case.pk])
    case.refresh_from_db()
    assert case.reviewed_by is None
    assert not sales.has_perm("cases.change_case")
    assert client.get(reverse("admin:cases_case_add")).status_code == 403


def test_an_editor_opens_a_case_with_its_inlines_and_history(client, cases, editor):
    client.force_login(editor)
    case = Case.objects.get(slug="test-mpi-university")

    change = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    history = client.get(reverse("admin:cases_case_history", args=[case.pk]))

    assert change.status_code == 200
    assert b"Testcluster user guide" in change.content
    assert history.status_code == 200
