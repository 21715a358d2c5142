import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"


def _login(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_it_logs_staff_in_and_sends_them_to_the_dashboard(client, sales):
    response = _login(client, "sales", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:index")


def test_it_locks_an_account_out_after_the_failure_limit(client, sales, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "sales", "wrong").status_code == 200

    locking = _login(client, "sales", "wrong")
    # Even the right password is refused while the lock holds.
    refused = _login(client, "sales", PASSWORD)

    assert locking.status_code == 429
    assert refused.status_code == 429
    assert "Too many failed logins" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_resets_a_password_by_e_mail(client, sales):
    page = client.get(reverse("password_reset"))
    sent = client.post(reverse("password_reset"), {"email": "sales@example.com"})

    assert page.status_code == 200
    assert sent.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reset your Orchestration Advisor password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    assert "Choose a new password" in form.content.decode()
    new_password = "a-much-better-secret-42"
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert "Password changed" in done.content.decode()
    assert _login(client, "sales", new_password).status_code == 302


def test_it_does_not_reveal_whether_an_address_has_an_account(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)

    assert response.status_code == 200
    assert "Check your e-mail" in response.content.decode()
    assert mail.outbox == []
