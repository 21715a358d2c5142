"""Webhooks reach only http(s) URLs on public addresses, unless WEBHOOK_ALLOW_PRIVATE."""

import pytest

from apps.notifications.models import WebhookAttempt, WebhookDelivery
from apps.notifications.services import addresses, webhooks

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_it_refuses_hosts_on_private_addresses(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(addresses.UnsafeURL):
        addresses.check_url(url)


@pytest.mark.parametrize(
    "url",
    ["ftp://93.184.215.14/", "file:///etc/passwd", "gopher://x/", "http:///nohost", "http://[::1"],
)
def test_it_refuses_other_schemes_and_malformed_urls_even_when_private_is_allowed(url):
    with pytest.raises(addresses.UnsafeURL):
        addresses.check_url(url)


def test_it_accepts_a_public_address(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    addresses.check_url("https://93.184.215.14/hooks")


def test_it_accepts_private_hosts_when_allowed():
    addresses.check_url("http://127.0.0.1:9/hook")


def test_it_checks_the_connected_address_again_at_delivery(settings, endpoint, receiver, new_lead):
    # given: the endpoint was registered while private addresses were allowed
    settings.WEBHOOK_ALLOW_PRIVATE = False

    # when
    new_lead()

    # then: nothing reached the receiver, the attempt says why
    assert receiver.requests == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "not a public address" in attempt.error
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.PENDING


def test_it_does_not_register_a_private_endpoint(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(webhooks.InvalidEndpoint, match="private"):
        webhooks.create_endpoint(url="http://127.0.0.1/x", events=["booking.created"], secret="s")
