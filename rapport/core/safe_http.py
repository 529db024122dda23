"""Outbound HTTP to URLs that users typed: the one guard against server-side request forgery.

Every URL a user can set (an API inbox's webhook today, any later integration) goes
through here twice: ``check_url`` when it is saved, and ``post`` when something is sent.
Files that a provider's webhook links to (a Messenger photo) are fetched with ``get``:
the link came from outside, so it gets the same checks and a size limit.
``post`` resolves the host once, refuses the request if any address it resolves to is not
a public one, then connects to the address it checked (no second look-up, so a DNS answer
that changes between check and connect — DNS rebinding — cannot reach an internal host)
and sends the original host name in ``Host`` (and as the TLS server name, so certificates
are still verified against it). Redirects are never followed: a 3xx is an answer.

Refused targets: loopback, private (RFC 1918, unique local), link-local (169.254/16, the
cloud metadata address among them), shared (100.64/10), reserved, documentation,
multicast, unspecified, and IPv6 forms that wrap one of them (IPv4-mapped, 6to4,
Teredo) — in short, every address that is not globally reachable.

``RAPPORT_WEBHOOK_ALLOW_HOSTS`` lists host names or addresses (as written in the URL) that
are let through anyway: the tests' local receivers, or an installation that deliberately
posts to a service on its own network.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from rapport.core.errors import ValidationFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeURL(ValidationFailed):
    """The URL is not one Rapport will send to; the message says why."""


class Unresolvable(UnsafeURL):
    """The URL's host name does not resolve (now): nothing can be sent to it."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect and what to ask for."""

    scheme: str
    host: str  # as written in the URL, for Host and TLS
    port: int
    path: str  # path and query
    address: str  # the resolved address that was checked, connected to as is


@dataclass(frozen=True)
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def allowed_hosts() -> set[str]:
    return {host.lower().strip("[]") for host in settings.RAPPORT_WEBHOOK_ALLOW_HOSTS}


def _wrapped(ip: IPAddress) -> IPAddress | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def is_public(ip: IPAddress) -> bool:
    """Whether ``ip`` is a globally reachable unicast address (see the module docstring)."""
    inner = _wrapped(ip)
    if inner is not None and not is_public(inner):
        return False
    return ip.is_global and not ip.is_multicast and not ip.is_unspecified


def _split(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise UnsafeURL(f"the URL is not valid: {error}") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise UnsafeURL("the URL must start with http:// or https://")
    if not parts.hostname:
        raise UnsafeURL("the URL has no host name")
    if parts.username or parts.password:
        raise UnsafeURL("the URL must not carry a user name or password")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme], path


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Unresolvable(f"the host {host!r} could not be resolved ({error})") from None
    # The scope of a link-local IPv6 answer ("fe80::1%eth0") is not part of the address.
    return [ipaddress.ip_address(str(answer[4][0]).split("%")[0]) for answer in answers]


def check_url(url: str) -> Target:
    """The URL's target if every address its host resolves to is public, else UnsafeURL."""
    scheme, host, port, path = _split(url)
    addresses = _resolve(host, port)
    if host.lower() not in allowed_hosts():
        for ip in addresses:
            if not is_public(ip):
                raise UnsafeURL(
                    f"the URL points to {ip}, an internal address (loopback, private,"
                    " link-local or reserved); Rapport only sends to public addresses"
                )
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))


def check_url_to_save(url: str) -> None:
    """``check_url`` for a URL being saved: a name that does not resolve yet is let through
    (DNS may be down, or the receiver not deployed yet); ``post`` checks it again anyway."""
    with contextlib.suppress(Unresolvable):
        check_url(url)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with SNI and certificate checks for the host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(raw, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class TooLargeAnswer(OSError):
    """The answer's body is larger than the caller's limit (nothing of it is kept)."""


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Response:
    """POST ``body`` to ``url`` after checking where it goes; redirects are not followed.

    Raises UnsafeURL for a refused target and OSError (timeouts included) when the
    connection fails. The answer's body is cut at 64 KB.
    """
    return _request("POST", url, body=body, headers=headers, timeout=timeout, limit=None)


def get(url: str, *, headers: dict[str, str], timeout: float, limit: int) -> Response:
    """GET ``url`` (a file a provider links to) with the same checks as ``post``.

    A body over ``limit`` bytes raises ``TooLargeAnswer`` (an ``OSError``) rather than
    being cut: a half file is no file.
    """
    return _request("GET", url, body=None, headers=headers, timeout=timeout, limit=limit)


def _request(
    method: str,
    url: str,
    *,
    body: bytes | None,
    headers: dict[str, str],
    timeout: float,
    limit: int | None,
) -> Response:
    target = check_url(url)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    try:
        # http.client sends Host from the host name given above, not the address.
        connection.request(method, target.path, body=body, headers=headers)
        answer = connection.getresponse()
        if limit is None:
            return Response(status=answer.status, headers=answer.headers, body=answer.read(65536))
        declared = answer.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise TooLargeAnswer(f"the file is {int(declared)} bytes, over the {limit}-byte limit")
        data = answer.read(limit + 1)
        if len(data) > limit:
            raise TooLargeAnswer(f"the file is over the {limit}-byte limit")
        return Response(status=answer.status, headers=answer.headers, body=data)
    except http.client.HTTPException as error:
        raise OSError(f"bad HTTP answer: {error!r}") from None
    finally:
        connection.close()
