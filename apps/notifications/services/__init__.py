"""Notification and webhook workflows: ``events`` (record and fan out), ``mail`` (instant
mails and digests), ``webhooks`` (endpoints, signed deliveries, retries), ``payloads`` (what
a webhook carries) and ``addresses`` (which hosts a webhook may reach)."""
