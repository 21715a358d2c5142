"""Celery tasks of the teams app: the e-mails, thin and safe to run twice."""

import smtplib
from typing import Any

from celery import shared_task

from . import services

MAIL_TASK: dict[str, Any] = {
    "acks_late": True,
    "ignore_result": True,
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 5,
    "soft_time_limit": 30,
    "time_limit": 45,
}


@shared_task(name="teams.send_invite", **MAIL_TASK)
def send_invite(team_id: int, email: str, invite: str, **kwargs: Any) -> bool:
    """E-mails a colleague the invitation to a team."""
    return services.send_invite(team_id=team_id, email=email, invite=invite)


@shared_task(name="teams.send_member_link", **MAIL_TASK)
def send_member_link(member_id: int, email: str, token: str, **kwargs: Any) -> bool:
    """E-mails a member their private link."""
    return services.send_member_link(member_id=member_id, email=email, token=token)
