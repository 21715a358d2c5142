"""The page-or-partial helper, and the pages that push their URL into the history."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django_htmx.middleware import HtmxDetails

from apps.core.htmx import HtmxHttpRequest, render_page_or_partial, wants_partial

PAGE = (
    "<main><h1>Leads</h1>"
    "{% partialdef leads-table inline %}<table id='leads-table'>{{ rows }}</table>{% endpartialdef %}"
    "</main>"
)
HTMX = {"HTTP_HX_REQUEST": "true"}
HISTORY_RESTORE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}


@pytest.fixture
def page_template(settings) -> str:
    """A page with one inline partial, served from memory through the partials loader."""
    partials = (
        "template_partials.loader.Loader",
        [("django.template.loaders.locmem.Loader", {"page.html": PAGE})],
    )
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "builtins": ["template_partials.templatetags.partials"],
                "loaders": [partials],
            },
        }
    ]
    return "page.html"


def _request(**headers: str) -> HtmxHttpRequest:
    request = RequestFactory().get("/leads/", **headers)
    # What django-htmx's middleware does for a real request.
    request.htmx = HtmxDetails(request)
    return request


def test_it_renders_the_whole_page_for_a_plain_request(page_template):
    response = render_page_or_partial(_request(), page_template, "leads-table", {"rows": "3 rows"})

    assert response.status_code == 200
    assert (
        response.content.decode()
        == "<main><h1>Leads</h1><table id='leads-table'>3 rows</table></main>"
    )


def test_it_renders_only_the_partial_for_an_htmx_request(page_template):
    response = render_page_or_partial(
        _request(**HTMX), page_template, "leads-table", {"rows": "3 rows"}
    )

    assert response.content.decode() == "<table id='leads-table'>3 rows</table>"


def test_it_renders_the_whole_page_when_htmx_restores_history(page_template):
    # given htmx lost its snapshot of the page, so the back button asks the server again
    request = _request(**HISTORY_RESTORE)

    # when the view answers
    response = render_page_or_partial(request, page_template, "leads-table", {"rows": ""})

    # then the browser gets a page to show, not a bare fragment
    assert response.content.decode().startswith("<main><h1>Leads</h1>")
    assert not wants_partial(request)


@pytest.mark.parametrize("headers", [{}, HTMX, HISTORY_RESTORE], ids=["page", "htmx", "restore"])
def test_it_tells_caches_that_the_reply_depends_on_the_htmx_headers(page_template, headers):
    response = render_page_or_partial(_request(**headers), page_template, "leads-table", {})

    vary = {each.strip() for each in response["Vary"].split(",")}
    assert {"HX-Request", "HX-History-Restore-Request"} <= vary


def test_it_answers_with_the_status_given(page_template):
    response = render_page_or_partial(
        _request(**HTMX), page_template, "leads-table", {}, status=201
    )

    assert response.status_code == 201


# --- Pages that push their URL (the back button may restore them from the server) ---

PUSHING_PAGES = [
    pytest.param("dashboard:index", "leads-table", True, id="dashboard leads"),
    pytest.param("dashboard:changes", "changes-table", True, id="dashboard changes"),
    pytest.param("booking:index", "slot-calendar", False, id="booking calendar"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "region", "staff_only"), PUSHING_PAGES)
def test_it_restores_a_pushed_page_as_a_whole_page(client, sales, url_name, region, staff_only):
    # given a page whose links and filters push their URL into the browser's history
    if staff_only:
        client.force_login(sales)
    url = reverse(url_name)

    # when htmx swaps the region in, and later restores that history entry from the server
    swapped = client.get(url, **HTMX)
    restored = client.get(url, **HISTORY_RESTORE)

    # then the swap gets the region alone, the restore a whole page, and both say they vary
    assert swapped.status_code == restored.status_code == 200
    assert f'id="{region}"' in swapped.text
    assert "<html" not in swapped.text
    assert "<html" in restored.text
    assert f'id="{region}"' in restored.text
    for response in (swapped, restored):
        assert "HX-Request" in response["Vary"]
