"""Team tokens are secrets in URLs: redacted from logs, never stored raw, never guessable."""

import logging

import pytest

from apps.core.private_links import carries_token, redact
from apps.teams import services
from apps.teams.models import Team

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/team/{t}/",
        "/team/{t}/roadmap.csv",
        "/team/{t}/members/3/remove/",
        "/team/join/{t}/",
        "/api/v1/teams/{t}/",
        "/api/v1/teams/{t}/roadmap.md",
        "/api/v1/assessments/{t}/roadmap.csv",
        "/assessment/{t}/team/",
    ],
)
def test_it_redacts_team_tokens_from_urls(path):
    secret = "s3cr3t-t0ken-of-43-characters-xxxxxxxxxxxx"

    url = path.format(t=secret)

    assert carries_token(url)
    assert secret not in redact(f"GET {url} 200")


def test_it_does_not_take_the_create_endpoint_for_a_token():
    assert not carries_token("/api/v1/teams/")


def test_it_stores_no_raw_token_and_logs_none(team, client, caplog):
    row = Team.objects.values().get()
    invite = services.invite_token(team.token)

    with caplog.at_level(logging.INFO):
        client.get(f"/team/{team.token}/")
        client.get(f"/team/join/{invite}/")

    assert team.token not in str(row)
    assert invite not in str(row)
    assert team.token not in caplog.text
    assert invite not in caplog.text


def test_it_derives_different_invitations_for_different_teams():
    assert services.invite_token("a") != services.invite_token("b")
    assert len(services.invite_token("a")) == 64


def test_it_answers_unknown_team_tokens_alike(client, team, settings):
    settings.TOKEN_LOOKUP_RATE = "3/m"
    statuses = [client.get(f"/team/guess-{n}/").status_code for n in range(5)]
    assert statuses[:3] == [404, 404, 404]
    assert statuses[-1] == 429
