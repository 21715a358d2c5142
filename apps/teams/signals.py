"""Signals of the teams app.

``member_joined`` is sent after the transaction commits, once a member has
submitted their answers to a team assessment, with the keyword arguments
``team`` (a :class:`apps.teams.models.Team`) and ``member`` (a
:class:`apps.teams.models.TeamMember`). Receivers (notifications, webhooks)
run outside the request's transaction and must not raise.
"""

from __future__ import annotations

import django.dispatch

member_joined = django.dispatch.Signal()
