"""Which URLs carry a private link's secret token, and the same URLs with the token blanked out.

One pattern serves the private-page headers (``middleware.PrivatePageMiddleware``), the log
filter (``logging.RedactTokensFilter``) and gunicorn's access log (``gunicorn.RedactingLogger``).
A token sits in the path segment after one of these prefixes, or in the booking calendar's
``?assessment=`` query. ``/assessment/`` alone (the public start page) carries none.
No Django imports: gunicorn's master loads this before the application.
"""

import re

PLACEHOLDER = "<token>"

TOKEN_PREFIXES = (
    "/assessment/",  # the prospect's result, steps, PDF, share links, delete page
    "/r/",  # a shared report and its PDF
    "/booking/confirmed/",
    "/booking/manage/",  # manage, cancel, reschedule
    "/api/v1/assessments/",  # the token API: detail, report PDF, share links, roadmaps
    "/team/join/",  # a team's invitation (before "/team/", whose token it would otherwise be)
    "/team/",  # the owner's team page, its downloads and actions
    "/api/v1/teams/",  # a team's result and roadmaps
)

_PRIVATE_LINK = re.compile(
    "(?P<prefix>"
    + "|".join(re.escape(prefix) for prefix in TOKEN_PREFIXES)
    + r"|[?&]assessment=)"
    + r"(?P<token>[^/?&#\s\"']+)"
)


def carries_token(url: str) -> bool:
    """True when ``url`` (a path, with or without its query string) holds a private token."""
    return _PRIVATE_LINK.search(url) is not None


def redact(text: str) -> str:
    """``text`` with every private token in a URL replaced by ``PLACEHOLDER``."""
    return _PRIVATE_LINK.sub(rf"\g<prefix>{PLACEHOLDER}", text)


def scrub(value: object) -> object:
    """``value`` (a Sentry event, or any JSON-like data) with every token in a URL blanked."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {
            # A query string arrives without its "?": give the pattern one to anchor on.
            key: redact("?" + item)[1:]
            if key == "query_string" and isinstance(item, str)
            else scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def scrub_sentry_event(event: dict[str, object], hint: object) -> dict[str, object]:
    """Sentry's ``before_send``: the event's URLs, headers and messages carry no token."""
    scrubbed = scrub(event)
    assert isinstance(scrubbed, dict)
    return scrubbed
