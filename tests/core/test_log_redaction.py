"""No private token in a log line: Django's loggers, the console handler and gunicorn's access log."""

import logging
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from gunicorn.config import Config

from apps.core.gunicorn import RedactingLogger
from apps.core.logging import RedactTokensFilter
from apps.core.private_links import redact

TOKEN = "KQAW2aiNtc7ZgCx4mQcBNNAtmFhNXrIIVy32o5JxDE8"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"/assessment/{TOKEN}/", "/assessment/<token>/"),
        (f"/assessment/{TOKEN}/step/2/", "/assessment/<token>/step/2/"),
        (f"GET /r/{TOKEN}/report.pdf HTTP/1.1", "GET /r/<token>/report.pdf HTTP/1.1"),
        (f"/booking/confirmed/{TOKEN}/", "/booking/confirmed/<token>/"),
        (f"/booking/manage/{TOKEN}/cancel/", "/booking/manage/<token>/cancel/"),
        (f"/api/v1/assessments/{TOKEN}/share-links/", "/api/v1/assessments/<token>/share-links/"),
        (f"/booking/?tz=UTC&assessment={TOKEN}", "/booking/?tz=UTC&assessment=<token>"),
        (
            f"https://example.org/r/{TOKEN}/ and /r/{TOKEN}",
            "https://example.org/r/<token>/ and /r/<token>",
        ),
        ("/assessment/", "/assessment/"),
        ("/api/v1/assessments/", "/api/v1/assessments/"),
        ("/compare/?technologies=slurm", "/compare/?technologies=slurm"),
        ("/assessment/<token>/", "/assessment/<token>/"),
    ],
)
def test_it_redacts_the_token_of_every_private_link(text, expected):
    assert redact(text) == expected


@pytest.mark.django_db
def test_it_keeps_the_token_out_of_the_log_of_a_request(client, caplog):
    # when a visitor opens a private link that does not exist (Django logs "Not Found: <path>")
    with caplog.at_level(logging.INFO):
        response = client.get(f"/assessment/{TOKEN}/")

    # then the log says which kind of page it was, without the token
    assert response.status_code == 404
    assert TOKEN not in caplog.text
    assert "Not Found: /assessment/<token>/" in caplog.text


@pytest.mark.django_db
def test_it_keeps_the_token_out_of_the_log_of_a_csrf_failure(caplog):
    client = Client(enforce_csrf_checks=True)

    with caplog.at_level(logging.INFO):
        response = client.post(f"/assessment/{TOKEN}/delete/", {"confirm": "on"})

    assert response.status_code == 403
    assert TOKEN not in caplog.text
    assert "/assessment/<token>/delete/" in caplog.text


def test_every_log_line_passes_the_filter():
    console = settings.LOGGING["handlers"]["console"]
    assert "redact_tokens" in console["filters"]
    root_filters = [f for h in logging.getLogger().handlers for f in h.filters]
    assert any(isinstance(f, RedactTokensFilter) for f in root_filters)


def test_the_filter_leaves_other_records_alone():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s of %d", ("slots", 3), None)

    assert RedactTokensFilter().filter(record)
    assert (record.msg, record.args, record.getMessage()) == (
        "%s of %d",
        ("slots", 3),
        "slots of 3",
    )


def _access(logger: RedactingLogger) -> None:
    """One request, as gunicorn's worker reports it after answering."""
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/booking/manage/{TOKEN}/?tz=UTC",
        "PATH_INFO": f"/booking/manage/{TOKEN}/",
        "QUERY_STRING": "tz=UTC",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://example.org/booking/?assessment={TOKEN}",
        "HTTP_USER_AGENT": "Firefox",
    }
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    logger.access(response, request, environ, timedelta(milliseconds=12))


def test_gunicorns_access_log_carries_no_token(tmp_path: Path):
    # given gunicorn's logger writing the access log with the request line, path and Referer
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("access_log_format", '%(r)s %(U)s "%(f)s" %({referer}i)s %({raw_uri}e)s')
    logger = RedactingLogger(config)

    # when a request to a private link is logged
    _access(logger)

    # then the line names the page but not its token
    line = (tmp_path / "access.log").read_text()
    assert TOKEN not in line
    assert "GET /booking/manage/<token>/?tz=UTC HTTP/1.1 /booking/manage/<token>/" in line
    assert '"https://example.org/booking/?assessment=<token>"' in line


def test_the_procfile_starts_gunicorn_with_the_redacting_logger():
    procfile = (Path(settings.BASE_DIR) / "Procfile").read_text()
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))

    assert "--logger-class apps.core.gunicorn.RedactingLogger" in web


def test_error_mails_to_admins_carry_no_token(rf, settings, mailoutbox):
    import logging
    import sys

    from apps.core.logging import RedactingAdminEmailHandler

    settings.ADMINS = [("Ops", "ops@example.com")]
    settings.DEBUG = False
    request = rf.get(f"/assessment/{TOKEN}/report.pdf?x=1")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            (request.path,),
            sys.exc_info(),
        )
    record.request = request
    record.status_code = 500

    RedactingAdminEmailHandler(include_html=True).emit(record)

    (mail,) = mailoutbox
    html = mail.alternatives[0][0]
    assert TOKEN not in mail.subject + mail.body + html
    assert "/assessment/<token>/" in mail.subject
    assert "/assessment/&lt;token&gt;/" in html or "/assessment/<token>/" in html


def test_sentry_events_carry_no_token():
    from apps.core.private_links import scrub_sentry_event

    event = {
        "request": {
            "url": f"https://advisor.example.com/r/{TOKEN}/",
            "headers": {"Referer": f"https://advisor.example.com/assessment/{TOKEN}/"},
            "query_string": f"assessment={TOKEN}",
        },
        "transaction": f"/booking/manage/{TOKEN}/",
        "breadcrumbs": {"values": [{"message": f"GET /assessment/{TOKEN}/step/2/"}]},
    }

    scrubbed = scrub_sentry_event(event, None)

    assert TOKEN not in repr(scrubbed)
    assert scrubbed["request"]["url"] == "https://advisor.example.com/r/<token>/"
