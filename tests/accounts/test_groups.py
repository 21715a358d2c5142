import pytest
from django.contrib.auth.models import Group

from apps.accounts.models import CONTENT_EDITORS, SALES

pytestmark = pytest.mark.django_db


def _codes(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_it_lets_content_editors_edit_and_publish_content_but_not_see_leads():
    codes = _codes(CONTENT_EDITORS)

    assert {
        "catalog.change_matrixcell",
        "catalog.view_historicaltechnology",
        "questionnaire.add_scoringmodel",
        "questionnaire.change_weight",
    } <= codes
    assert {code.split(".")[0] for code in codes} == {
        "catalog",
        "faq",
        "questionnaire",
        "cases",
        "booking",
    }
    # Engineers open slots and see the bookings they will run; no lead (assessment) data.
    assert {"booking.add_slot", "booking.change_availabilityrule", "booking.view_booking"} <= codes
    assert "booking.delete_booking" not in codes


def test_it_lets_sales_read_leads_and_manage_share_links_but_change_no_content():
    codes = _codes(SALES)

    assert {
        "assessments.view_assessment",
        "assessments.add_sharelink",
        "assessments.change_sharelink",
        "assessments.delete_sharelink",
        "assessments.view_sharelink",
        "assessments.view_sharelinkview",
    } <= codes
    assert "assessments.change_assessment" not in codes
    assert "assessments.delete_assessment" not in codes
    assert not {code for code in codes if code.split(".")[0] in {"catalog", "faq", "questionnaire"}}
    assert all(
        code.split(".")[1].startswith("view_")
        for code in codes
        if code.startswith(("booking.", "cases."))
    )
    assert "cases.view_case" in codes
