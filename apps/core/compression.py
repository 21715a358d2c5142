"""Gzip for every page and API answer, with Django's BREACH mitigation (see README, Compression).

BREACH recovers a secret from the size of compressed responses that also reflect text the
attacker chose. What keeps it out here:

- Django's ``GZipMiddleware`` puts 0–99 random bytes in each gzip header ("Heal the
  Breach"), so the size of one response no longer tells how well a guess compressed;
- Django masks the CSRF token with a fresh random mask in every response;
- the private tokens (result pages, share links) are in the URL path: whoever can make a
  browser request such a page already knows its token;
- the rate limits and the login lock-out bound how many guesses a browser can be made to send.

Only text is compressed (HTML, JSON, XML, CSV, plain text); static files come from WhiteNoise,
which serves the gzip and Brotli files ``collectstatic`` wrote, and never reach this.
"""

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

COMPRESSED_TYPES = (
    "text/html",
    "text/plain",
    "text/csv",
    "text/calendar",
    "application/json",
    "application/problem+json",
    "application/vnd.oai.openapi",
    "application/xml",
    "application/atom+xml",
    "application/rss+xml",
)


class CompressionMiddleware(GZipMiddleware):
    """``GZipMiddleware`` (random header bytes against BREACH) for text responses only."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        media_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if media_type not in COMPRESSED_TYPES:
            return response
        return super().process_response(request, response)  # type: ignore[no-any-return]
