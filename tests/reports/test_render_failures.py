"""A render that fails in any way is marked failed; a bad colour cannot get that far."""

import json

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from apps.assessments.models import Assessment
from apps.catalog.models import Technology
from apps.reports import pdf as reports
from apps.reports.tasks import RenderError, render_report

pytestmark = pytest.mark.django_db

Status = Assessment.ReportStatus


def test_it_marks_the_render_failed_when_weasyprint_raises_a_base_exception(
    scored, monkeypatch, django_capture_on_commit_callbacks
):
    # given WeasyPrint giving up on a URL (what a url(...) colour caused) with
    # FatalURLFetchingError, which is no Exception
    from weasyprint.urls import FatalURLFetchingError

    def render(assessment, **kwargs):
        raise FatalURLFetchingError("url(/)")

    monkeypatch.setattr(reports, "render_pdf", render)
    assessment, _ = scored
    with django_capture_on_commit_callbacks():
        reports.queue_render(assessment)
    assessment.refresh_from_db()

    # when
    with pytest.raises(RenderError):
        render_report(assessment.pk, assessment.report_key)

    # then
    assessment.refresh_from_db()
    assert assessment.report_status == Status.FAILED


@pytest.mark.parametrize("colour", ["url(/)", "red", "#12345", "#12345g", "#1234567"])
def test_it_refuses_a_colour_that_is_not_rrggbb(colour):
    technology = Technology(name="X", slug="x", colour=colour)

    with pytest.raises(ValidationError) as caught:
        technology.full_clean(exclude=["order"])

    assert "colour" in caught.value.message_dict


def test_every_fixture_colour_is_rrggbb():
    rows = json.loads((settings.BASE_DIR / "fixtures" / "010_catalog.json").read_text())
    technologies = [row for row in rows if row["model"] == "catalog.technology"]

    assert technologies
    for row in technologies:
        Technology(**row["fields"]).clean_fields(
            exclude=[name for name in row["fields"] if name != "colour"]
        )
