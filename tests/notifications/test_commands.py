"""manage.py webhooks add / list / remove."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.notifications.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("webhooks", *args, stdout=out)
    return out.getvalue()


def test_it_adds_lists_and_removes_an_endpoint(receiver):
    # when
    printed = run(
        "add", receiver.url, "--events", "assessment.scored,booking.created", "--secret", "S3"
    )

    # then
    endpoint = WebhookEndpoint.objects.get()
    assert printed.strip() == str(endpoint.pk)
    assert endpoint.events == ["assessment.scored", "booking.created"]
    assert endpoint.secret == "S3"
    assert run("list").strip() == "\t".join(
        [str(endpoint.pk), receiver.url, "assessment.scored,booking.created", "active", "-"]
    )
    assert "Removed" in run("remove", str(endpoint.pk))
    assert not WebhookEndpoint.objects.exists()


def test_it_lists_the_last_delivery_status(endpoint, receiver, new_lead):
    receiver.script = [500]
    new_lead()

    assert run("list").strip().endswith("\tactive\t500")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "http://127.0.0.1/x", "--events", "lead.won", "--secret", "S"], "Unknown event"),
        (["add", "ftp://127.0.0.1/x", "--events", "booking.created", "--secret", "S"], "http"),
        (["add", "http://127.0.0.1/x", "--events", "booking.created", "--secret", " "], "secret"),
        (["remove", "999"], "No webhook endpoint"),
    ],
)
def test_it_refuses_bad_input_with_a_message(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not WebhookEndpoint.objects.exists()


def test_it_refuses_a_private_host_unless_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(CommandError, match="private"):
        run("add", "http://127.0.0.1/x", "--events", "booking.created", "--secret", "S")
