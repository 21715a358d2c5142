"""Signals of the teams app.

``member_joined`` is sent after the transaction commits, once per member, when the
answers a member submitted to a team assessment have been scored for the first time
(from then on the team result counts them; the owner is not announced), with
``sender=TeamMember`` and the keyword arguments
``team`` (a :class:`apps.teams.models.Team`) and ``member`` (a
:class:`apps.teams.models.TeamMember`). Receivers (notifications, webhooks)
run outside the request's transaction and must not raise.
"""

from __future__ import annotations

import django.dispatch

member_joined = django.dispatch.Signal()
