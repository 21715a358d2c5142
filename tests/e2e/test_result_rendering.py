"""The result page defers the work of its sections below the first until they near the screen.

Lighthouse's mobile profile measured most of the page's main-thread time at load as style and
layout of its 900 elements (issue 14); ``content-visibility: auto`` on the later sections
(static/css/site.css) skips theirs while they are off screen. Checked in a real browser: what
is off screen is skipped, what is scrolled to is rendered, and the page stays whole for
assistive technology and find-in-page (the accessibility test audits the same page).
"""

import pytest

from apps.core.tokens import new_token

from .leads import make_lead

pytestmark = pytest.mark.browser

# Lighthouse's mobile viewport.
PHONE = {"width": 412, "height": 823}
# Whether each section's first child is rendered: an element in a subtree whose rendering
# content-visibility skips is not (``checkVisibility`` with ``contentVisibilityAuto``).
RENDERED = """() => [...document.querySelectorAll('.report > section')].map(
    (section) => section.firstElementChild.checkVisibility({contentVisibilityAuto: true}))"""


def test_sections_below_the_first_are_rendered_when_they_near_the_screen(
    browser, live_server, seeded
):
    lead = make_lead("Deferred Rendering Ltd", 3)
    token, digest = new_token()
    type(lead).objects.filter(pk=lead.pk).update(token_hash=digest)
    context = browser.new_context(locale="en-GB", viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/assessment/{token}/")
        page.wait_for_load_state("load")
        rendered = page.evaluate(RENDERED)
        assert len(rendered) >= 5
        assert rendered[0], "the first section is rendered at once"
        assert not rendered[-1], "the last section waits until it nears the screen"

        last = page.locator(".report > section").last
        last.scroll_into_view_if_needed()
        page.wait_for_function(f"() => ({RENDERED})().at(-1)")

        # Skipped or not, every section is a region named by its heading for a screen reader.
        regions = page.locator(".report").get_by_role("region")
        assert regions.count() == len(rendered)
        assert all(
            name.strip()
            for name in regions.evaluate_all(
                "(sections) => sections.map((s) => document.getElementById("
                "s.getAttribute('aria-labelledby')).textContent)"
            )
        )
    finally:
        context.close()
