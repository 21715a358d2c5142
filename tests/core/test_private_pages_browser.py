"""Private pages in a real browser: their plain forms still pass the CSRF check."""

import pytest
from django.urls import reverse

from apps.assessments.models import Assessment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_deletes_an_assessment_from_its_private_page_in_a_browser(page, live_server, scored):
    # given the prospect's delete page, a plain form (no htmx) on a private page
    assessment, token = scored
    page.goto(live_server.url + reverse("assessments:delete", kwargs={"token": token}))

    # when they confirm and submit it
    page.locator("input[type=checkbox]").check()
    with page.expect_navigation():
        page.locator("form[method=post] [type=submit]").click()

    # then the browser's Origin passes Django's CSRF check and the assessment is gone
    assert not Assessment.objects.filter(pk=assessment.pk).exists()
