"""Who a request comes from: the one reading of the client's address.

Behind ``TRUSTED_PROXY_COUNT`` proxies the socket address (``REMOTE_ADDR``) is the nearest
proxy's, and the client's is the address the outermost of our proxies appended to
``X-Forwarded-For``: the N-th entry from the right. Entries further left were written by the
client itself and are never read. Our rate limits, the API throttles and django-axes'
lock-outs all ask this module, so they agree on who a client is.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# An IPv6 client usually holds a whole /64: counting per address would let it rotate freely.
_IPV6_PREFIX = 64


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address, or None when the server gave none (a bare WSGI caller)."""
    remote = _parsed(request.META.get("REMOTE_ADDR"))
    count: int = settings.TRUSTED_PROXY_COUNT
    if count == 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(forwarded) < count:
        # The request bypassed a proxy, or one did not append: the socket address is all we
        # know, and trusting a shorter header would let the client choose its identity.
        return remote
    return _parsed(forwarded[-count]) or remote


def client_identity(request: HttpRequest) -> str:
    """Whose budget a request spends: the client's address (for IPv6, its /64 network)."""
    address = client_address(request)
    if address is None:
        # Such clients share one budget instead of causing a 500.
        return "unknown"
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/{_IPV6_PREFIX}", strict=False))
    return address


def _parsed(value: str | None) -> str | None:
    """``value`` as a normalised IP address, or None when it is not one."""
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None
