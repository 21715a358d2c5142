"""Admins register endpoints (the secret shown once) and see and redeliver every delivery."""

import pytest

from apps.notifications.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_it_shows_a_new_endpoints_secret_once(client, superuser, receiver):
    client.force_login(superuser)

    # when
    response = client.post(
        "/admin/notifications/webhookendpoint/add/",
        {"url": receiver.url, "events": ["booking.created", "share_link.viewed"], "active": "on"},
    )

    # then
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["booking.created", "share_link.viewed"]
    assert endpoint.owner == superuser
    assert len(endpoint.secret) >= 40
    first_page = client.get(response["Location"])
    assert f"is {endpoint.secret}. Copy it" in first_page.content.decode()
    change = client.get(f"/admin/notifications/webhookendpoint/{endpoint.pk}/change/")
    assert change.status_code == 200
    assert endpoint.secret not in change.content.decode()
    assert (
        endpoint.secret not in client.get("/admin/notifications/webhookendpoint/").content.decode()
    )


def test_it_refuses_an_endpoint_on_a_private_host(client, superuser, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(superuser)

    response = client.post(
        "/admin/notifications/webhookendpoint/add/",
        {"url": "http://169.254.169.254/", "events": ["booking.created"], "active": "on"},
    )

    assert response.status_code == 200
    assert "private" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_it_lists_attempts_and_redelivers(
    client, superuser, endpoint, receiver, new_lead, django_capture_on_commit_callbacks
):
    # given: a delivery the receiver refused
    receiver.script = [500]
    new_lead()
    delivery = WebhookDelivery.objects.get()
    client.force_login(superuser)
    page = client.get(f"/admin/notifications/webhookdelivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert "receiver failure" in page.content.decode()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/notifications/webhookdelivery/",
            {"action": "redeliver", "_selected_action": [delivery.pk]},
        )

    # then
    assert response.status_code == 302
    assert len(receiver.requests) == 2
    again = WebhookDelivery.objects.get(manual=True)
    assert again.status == WebhookDelivery.Status.SUCCEEDED
    assert client.get("/admin/notifications/webhookdelivery/").status_code == 200
    assert client.get("/admin/notifications/event/").status_code == 200


def test_it_makes_a_new_secret_on_request_and_shows_it_once(client, superuser, endpoint):
    client.force_login(superuser)
    old = endpoint.secret

    response = client.post(
        "/admin/notifications/webhookendpoint/",
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
        follow=True,
    )

    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert f"is {endpoint.secret}. Copy it" in response.content.decode()
    again = client.get("/admin/notifications/webhookendpoint/").content.decode()
    assert endpoint.secret not in again


def test_switching_an_endpoint_back_on_starts_its_failing_streak_afresh(
    client, superuser, endpoint
):
    from django.utils import timezone

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        active=False, failing_since=timezone.now(), disabled_at=timezone.now()
    )
    client.force_login(superuser)

    response = client.post(
        f"/admin/notifications/webhookendpoint/{endpoint.pk}/change/",
        {
            "url": endpoint.url,
            "events": endpoint.events,
            "active": "on",
            "owner": superuser.pk,
            "description": "",
        },
    )

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.active
    assert (endpoint.failing_since, endpoint.disabled_at) == (None, None)
