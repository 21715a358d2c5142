"""Which URLs a webhook may call: http(s) to public addresses only, checked twice.

A URL is checked when it is registered (its host must resolve to public addresses only) and
again on every connection: the socket's peer address is checked before a byte is sent, so a
host whose DNS answer changes after registration (DNS rebinding) still cannot reach loopback,
link-local or private addresses. ``WEBHOOK_ALLOW_PRIVATE=true`` lifts the address rule (tests,
a CRM on the same private network); the scheme rule always holds.
"""

import http.client
import ipaddress
import socket
from typing import Any
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

SCHEMES = {"http": 80, "https": 443}


class UnsafeURL(ValueError):
    """The URL is not http(s) or its host reaches an address webhooks must not reach."""


def is_public(address: str) -> bool:
    """Whether an IP address is on the public internet (IPv4-mapped IPv6 judged as IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _allowed(address: str) -> bool:
    return bool(settings.WEBHOOK_ALLOW_PRIVATE) or is_public(address)


def split_url(url: str) -> SplitResult:
    """The parts of an http(s) URL with a host; raises UnsafeURL otherwise."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range.
    except ValueError:
        raise UnsafeURL(_("This is not a valid URL.")) from None
    if parts.scheme not in SCHEMES:
        raise UnsafeURL(_("Only http and https URLs can receive webhooks."))
    if not parts.hostname:
        raise UnsafeURL(_("The URL has no host."))
    return parts


def check_url(url: str) -> None:
    """Raises UnsafeURL unless the URL is http(s) and its host resolves to allowed addresses."""
    parts = split_url(url)
    port = parts.port or SCHEMES[parts.scheme]
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise UnsafeURL(
            _("The host %(host)s does not resolve.") % {"host": parts.hostname}
        ) from None
    for info in infos:
        address = str(info[4][0])
        if not _allowed(address):
            raise UnsafeURL(
                _(
                    "The host %(host)s resolves to %(address)s, a loopback, link-local or "
                    "private address; webhooks only go to public addresses."
                )
                % {"host": parts.hostname, "address": address}
            )


def _guarded_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
    sock = socket.create_connection(address, *args, **kwargs)
    peer = str(sock.getpeername()[0])
    if not _allowed(peer):
        sock.close()
        raise UnsafeURL(
            _("Refused to connect to %(address)s: not a public address.") % {"address": peer}
        )
    return sock


class GuardedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection that refuses to talk to a non-public peer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_connection


class GuardedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection that refuses a non-public peer before the TLS handshake."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_connection


def connection_for(parts: SplitResult, timeout: float) -> http.client.HTTPConnection:
    """A guarded connection to the URL's host (nothing is sent yet)."""
    host, port = parts.hostname or "", parts.port
    if parts.scheme == "https":
        return GuardedHTTPSConnection(host, port, timeout=timeout)
    return GuardedHTTPConnection(host, port, timeout=timeout)
