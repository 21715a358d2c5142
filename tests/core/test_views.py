import pytest

pytestmark = pytest.mark.django_db


def test_it_answers_liveness(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_it_reports_readiness_of_the_database(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "broker": True}


def test_it_stays_ready_while_the_broker_is_down_and_says_so(client, settings):
    # A closed port: publishing fails, work waits in the outbox, pages keep answering.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6390/0"

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "broker": False}


def test_it_sends_a_content_security_policy_without_inline_scripts(client):
    response = client.get("/healthz")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-eval" not in policy


def test_it_echoes_a_sane_request_id_and_replaces_a_hostile_one(client):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")

    assert kept["X-Request-ID"] == "abc-123"
    assert replaced["X-Request-ID"] != "<script>"
    assert len(replaced["X-Request-ID"]) == 32


def test_it_shows_a_friendly_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"Page not found" in response.content


@pytest.mark.django_db
def test_it_answers_an_unknown_api_address_with_json(client):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
