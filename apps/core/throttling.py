"""DRF's throttles, keyed like our rate limits: by ``clients.client_identity``.

DRF's own ``get_ident`` reads ``X-Forwarded-For`` by its ``NUM_PROXIES`` setting, takes the
leftmost entry (which the client writes) when the header is shorter than that, and counts
each IPv6 address apart. These classes ask the one reading of ``TRUSTED_PROXY_COUNT``.
"""

from rest_framework import throttling
from rest_framework.request import Request

from .clients import client_identity


class ClientIdentityMixin:
    def get_ident(self, request: Request) -> str:
        return client_identity(request)


class AnonRateThrottle(ClientIdentityMixin, throttling.AnonRateThrottle):
    """Anonymous requests, per client."""


class ScopedRateThrottle(ClientIdentityMixin, throttling.ScopedRateThrottle):
    """The view's ``throttle_scope``, per user or per client."""


class SimpleRateThrottle(ClientIdentityMixin, throttling.SimpleRateThrottle):
    """Base of our own scopes: ``get_ident`` is the client's identity."""
